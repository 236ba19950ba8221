package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.backend.Packed;
import io.github.clconv.tensor.Shape;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_buffer_region;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;
import io.github.clconv.util.Shutdown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One device's context and in-order queue, the programs built on it (cached by source
 * file and build options) and the buffers allocated on it (counted while alive).
 *
 * A context belongs to the thread that opened it: kernels carry their arguments between
 * calls and a backend's scratch buffers are shared by its ops, so a second thread would
 * corrupt both; it gets a clear error instead (open one backend per thread). Program
 * builds are serialised JVM-wide (a driver's compiler need not be thread-safe). A context
 * still open when the JVM exits is drained and released by the shutdown hook, before the
 * driver's own teardown runs under work still queued (PoCL crashed there); once the JVM is
 * stopping, every operation outside a critical section throws Shutdown.StoppedException, so
 * the work unwinds before anything is released.
 */
public final class ClContext implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClContext.class);
    private static final Object BUILD_LOCK = new Object();
    private static final Set<ClContext> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Shutdown.onExit(Shutdown.Stage.DEVICES, () -> OPEN.forEach(ClContext::closeAtExit));
    }

    private volatile Thread owner = Thread.currentThread();
    private boolean closed;

    private final DeviceInfo device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, ClKernel> kernels = new HashMap<>();
    private final Map<KernelRef, ClKernel> byRef = new HashMap<>();
    private final AtomicInteger live = new AtomicInteger();

    public ClContext(DeviceInfo device) {
        this.device = device;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
            context = CL.clCreateContext(props, 1, new cl_device_id[]{device.device()}, null, null, null);
            cl_queue_properties qp = new cl_queue_properties();
            if (KernelProfile.ENABLED) {
                qp.addProperty(CL.CL_QUEUE_PROPERTIES, CL.CL_QUEUE_PROFILING_ENABLE);
            }
            queue = CL.clCreateCommandQueueWithProperties(context, device.device(), qp, null);
        } catch (CLException e) {
            throw ClException.of("opening " + device.describe(), e);
        }
        SignalChaining.warnOnce();
        OPEN.add(this);
    }

    /** Launches queued so far per kernel name (tests: which passes an op runs). */
    private final java.util.Map<String, Integer> launches = new java.util.HashMap<>();

    /** Counts a launch of the named kernel; callers hold the monitor. */
    void launched(String kernel) {
        launches.merge(kernel, 1, Integer::sum);
    }

    /** Launches of this kernel (by name, as "direct_pad_rows") queued so far. */
    synchronized int launches(String kernel) {
        return launches.getOrDefault(kernel, 0);
    }

    /** Fails unless the calling thread may use this context now; callers hold the monitor. */
    void checkUse(String what) {
        Shutdown.check();
        if (closed) {
            throw new IllegalStateException(what + ": the OpenCL backend on " + device.name().strip() + " is closed");
        }
        Thread t = Thread.currentThread();
        if (t != owner) {
            throw new IllegalStateException(what + ": this OpenCL backend was opened by thread '" + owner.getName() + "' and is used from '"
                    + t.getName() + "'; a backend is not shared between threads: open one per thread, or hand it over with moveTo");
        }
    }

    /** Hands the context (and its backend) to another thread, which alone may use it from now on. */
    public synchronized void moveTo(Thread t) {
        owner = t;
    }

    cl_command_queue queue() {
        return queue;
    }

    public DeviceInfo device() {
        return device;
    }

    /** Buffers allocated through this context and not yet closed. */
    public int liveBuffers() {
        return live.get();
    }

    public ClBuffer alloc(Shape shape) {
        return alloc(shape, true);
    }

    /** counted = false for a backend's own scratch space, which lives as long as the backend. */
    synchronized ClBuffer alloc(Shape shape, boolean counted) {
        return alloc(shape, counted, null);
    }

    /**
     * A new buffer holding data, copied as it is created (CL_MEM_COPY_HOST_PTR): no trip through
     * the queue, where a blocking write cost ~30-50 us of a batch-1 inference's ~500 on PoCL.
     */
    public synchronized ClBuffer allocCopy(Shape shape, float[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("upload: " + data.length + " values for shape " + shape);
        }
        return alloc(shape, true, data);
    }

    private ClBuffer alloc(Shape shape, boolean counted, float[] data) {
        checkUse("allocating " + shape);
        long bytes = (long) shape.size() * Sizeof.cl_float;
        if (bytes > device.maxAllocBytes()) {
            throw new ClException("a tensor of shape " + shape + " needs " + mib(bytes) + " MiB, more than the "
                    + mib(device.maxAllocBytes()) + " MiB one buffer may hold on " + device.name().strip() + "; use a smaller batch");
        }
        try {
            cl_mem m = data == null || data.length == 0 ? CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, bytes, null, null)
                    : CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE | CL.CL_MEM_COPY_HOST_PTR, bytes, Pointer.to(data), null);
            ClBuffer b = new ClBuffer(m, shape, counted ? live : null);
            if (data != null) {
                b.wrote();
            }
            return b;
        } catch (CLException e) {
            throw ClException.of("allocating " + mib(bytes) + " MiB for a tensor of shape " + shape, e);
        }
    }

    /**
     * Work-items per group of the tree reductions (-DRED): the largest power of two up to
     * 256 that the device allows; 256 keeps a SIMT device's lanes busy and the local
     * array small.
     */
    int reductionWidth() {
        long cap = Math.min(256, device.maxWorkGroupSize());
        return Math.max(1, Integer.highestOneBit((int) Math.max(1, cap)));
    }

    /** The -D option of reductionWidth(), part of every build. */
    private String reductionOption() {
        return "-DRED=" + reductionWidth();
    }

    /** Whether the device does fused multiply-add in hardware (CL_FP_FMA); kernels use a*b+c where it does not. */
    boolean hasFma() {
        long[] config = new long[1];
        CL.clGetDeviceInfo(device.device(), CL.CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong, Pointer.to(config), null);
        return (config[0] & CL.CL_FP_FMA) != 0;
    }

    /**
     * Zeroed tensors of these shapes as views of one flat buffer (Backend.pack), each starting at a multiple of
     * CL_DEVICE_MEM_BASE_ADDR_ALIGN as sub-buffers must; zeros allocates the flat buffer.
     */
    Packed pack(List<Shape> shapes, Function<Shape, Buf> zeros) {
        int[] bits = new int[1];
        CL.clGetDeviceInfo(device.device(), CL.CL_DEVICE_MEM_BASE_ADDR_ALIGN, Sizeof.cl_uint, Pointer.to(bits), null);
        long align = Math.max(1, bits[0] / (8 * Sizeof.cl_float)), total = 0;
        long[] offsets = new long[shapes.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = total;
            total += (shapes.get(i).size() + align - 1) / align * align;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pack: " + total + " elements do not fit one buffer");
        }
        ClBuffer flat = (ClBuffer) zeros.apply(Shape.of((int) Math.max(total, 1)));
        List<Buf> parts = new ArrayList<>();
        try {
            for (int i = 0; i < offsets.length; i++) {
                parts.add(slice(flat, offsets[i], shapes.get(i)));
            }
        } catch (RuntimeException e) {
            parts.forEach(Buf::close);
            flat.close();
            throw e;
        }
        return new Packed(flat, parts);
    }

    /** A view of shape.size() elements of parent from element offset (a multiple of the base address alignment). */
    private ClBuffer slice(ClBuffer parent, long offset, Shape shape) {
        cl_buffer_region region = new cl_buffer_region(offset * Sizeof.cl_float, (long) shape.size() * Sizeof.cl_float);
        try {
            cl_mem m = CL.clCreateSubBuffer(parent.mem(), CL.CL_MEM_READ_WRITE, CL.CL_BUFFER_CREATE_TYPE_REGION, region, null);
            return new ClBuffer(m, shape, live, parent.writeCount());
        } catch (CLException e) {
            throw ClException.of("viewing " + shape + " at element " + offset + " of a buffer of shape " + parent.shape(), e);
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    public synchronized void write(ClBuffer dst, float[] data) {
        checkUse("writing " + dst.shape());
        if (data.length != dst.size()) {
            throw new IllegalArgumentException("write: " + data.length + " values for a buffer of shape " + dst.shape());
        }
        try {
            CL.clEnqueueWriteBuffer(queue, dst.mem(), CL.CL_TRUE, 0, (long) data.length * Sizeof.cl_float, Pointer.to(data), 0, null, null);
            dst.wrote();
        } catch (CLException e) {
            throw ClException.of("writing " + dst.shape() + " to the device", e);
        }
    }

    public synchronized float[] read(ClBuffer src) {
        checkUse("reading " + src.shape());
        float[] out = new float[src.size()];
        try {
            CL.clEnqueueReadBuffer(queue, src.mem(), CL.CL_TRUE, 0, (long) out.length * Sizeof.cl_float, Pointer.to(out), 0, null, null);
        } catch (CLException e) {
            throw ClException.of("reading " + src.shape() + " from the device", e);
        }
        return out;
    }

    public synchronized void copy(ClBuffer src, int srcOffset, ClBuffer dst, int dstOffset, int count) {
        checkUse("copying " + src.shape());
        if (count == 0) {
            return;
        }
        try {
            CL.clEnqueueCopyBuffer(queue, src.mem(), dst.mem(), (long) srcOffset * Sizeof.cl_float, (long) dstOffset * Sizeof.cl_float,
                    (long) count * Sizeof.cl_float, 0, null, null);
            dst.wrote();
        } catch (CLException e) {
            throw ClException.of("copying " + src.shape(), e);
        }
    }

    public synchronized void finish() {
        checkUse("waiting for the device");
        try {
            CL.clFinish(queue);
        } catch (CLException e) {
            throw ClException.of("waiting for the device", e);
        }
    }

    /** ref's kernel, built on first use, then kept. */
    synchronized ClKernel kernel(KernelRef ref) {
        ClKernel k = byRef.get(ref);
        if (k == null) {
            k = kernel(ref.file(), ref.options(), ref.name());
            byRef.put(ref, k);
        } else {
            checkUse("kernel " + ref.name());
        }
        return k;
    }

    /** The kernel `name` of opencl/`file` built with `options`; built once, then cached. */
    public synchronized ClKernel kernel(String file, String options, String name) {
        checkUse("kernel " + name);
        String key = file + "|" + options + "|" + name;
        ClKernel k = kernels.get(key);
        if (k == null) {
            cl_program program = program(file, options);
            try {
                cl_kernel kern = CL.clCreateKernel(program, name, null);
                k = new ClKernel(kern, this, name + " (opencl/" + file + ")" + (KernelProfile.BY_OPTIONS ? " " + options : ""));
            } catch (CLException e) {
                throw ClException.of("creating kernel " + name + " of opencl/" + file, e);
            }
            kernels.put(key, k);
        }
        return k;
    }

    private cl_program program(String file, String options) {
        String key = file + "|" + options;
        cl_program p = programs.get(key);
        if (p != null) {
            return p;
        }
        String source = source(file);
        // -cl-kernel-arg-info: ClKernel asks which buffer arguments are const (never written); -w: PoCL's compiler prints its
        // warnings' count to the process's stderr ("42 warnings generated.", on AVX2 for every 16-wide vector passed to a
        // built-in), into the user's terminal, for each build; errors still fail the build with their log
        String all = (options + " " + reductionOption() + " -DHAS_FMA=" + (hasFma() ? 1 : 0) + " -cl-kernel-arg-info -w").trim();
        long t0 = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            p = CL.clCreateProgramWithSource(context, 1, new String[]{source}, null, null);
            try {
                synchronized (BUILD_LOCK) {
                    CL.clBuildProgram(p, 1, new cl_device_id[]{device.device()}, all, null, null);
                }
                break;
            } catch (CLException e) {
                String buildLog = buildLog(p);
                CL.clReleaseProgram(p);
                if (attempt < BUILD_ATTEMPTS && transientBuildFailure(buildLog)) {
                    log.warn("building opencl/{} on {} failed writing the compiler's own files ({}); building it again", file,
                            device.describe(), buildLog.strip().lines().findFirst().orElse(""));
                    continue;
                }
                throw new ClBuildException(file, all, device.describe(), buildLog);
            }
        }
        log.debug("built opencl/{} [{}] in {} ms", file, all, (System.nanoTime() - t0) / 1_000_000);
        programs.put(key, p);
        return p;
    }

    /** Builds tried where the compiler failed on its own files (transientBuildFailure), not on the source. */
    private static final int BUILD_ATTEMPTS = 3;

    /**
     * Whether a build log says the compiler failed writing its own temporary or output files rather than on the
     * source ("unable to rename temporary '...preproc-2b1a46ad.cl.tmp' to output file '...preproc.cl': 'No such
     * file or directory'"): LLVM's signal handler deletes them when the JVM takes a SIGSEGV of its own during the
     * build, in a JVM that does not chain signals (SignalChaining); the same build succeeds when run again.
     */
    static boolean transientBuildFailure(String buildLog) {
        return buildLog.contains("unable to rename temporary") || buildLog.contains("unable to make temporary file")
                || buildLog.contains("unable to open output file");
    }

    private String buildLog(cl_program p) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(p, device.device(), CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(p, device.device(), CL.CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
        return new String(buf, StandardCharsets.UTF_8).replace("\0", "");
    }

    /**
     * Kernel sources ship inside the jar; never read from a file path. A line
     * {@code #include "NAME.h"} is replaced by opencl/NAME.h here, because a driver's
     * compiler cannot see inside the jar.
     */
    static String source(String file) {
        try (InputStream in = ClContext.class.getResourceAsStream("/opencl/" + file)) {
            if (in == null) {
                throw new ClException("kernel source opencl/" + file + " is missing from the classpath; rebuild with `mvn package`");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            java.util.regex.Matcher m = INCLUDE.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(source(m.group(1))));
            }
            return m.appendTail(out).toString();
        } catch (IOException e) {
            throw new ClException("reading kernel source opencl/" + file + ": " + e.getMessage(), e);
        }
    }

    private static final java.util.regex.Pattern INCLUDE = java.util.regex.Pattern.compile("(?m)^#include \"([a-z_]+\\.h)\"[ \\t]*$");

    /** Closing is allowed from any thread; a second close does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        OPEN.remove(this);
        kernels.values().forEach(ClKernel::release);
        kernels.clear();
        byRef.clear();
        programs.values().forEach(CL::clReleaseProgram);
        programs.clear();
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }

    /** The shutdown hook: let queued work finish, then release, whatever thread the context belonged to. */
    private synchronized void closeAtExit() {
        if (closed) {
            return;
        }
        try {
            CL.clFinish(queue);
        } catch (RuntimeException e) {
            // the device failed; release anyway
        }
        close();
    }
}
