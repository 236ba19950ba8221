import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Times each kernel of loads.cl on one device (the index `clconv devices` gives), 512^3, best of
 * four launches, and checks one element of C where the kernel computes the real product:
 *
 *   java -cp target/clconv.jar bench/loads/LoadCost.java DEVICE [WM]
 */
public class LoadCost {
    private static final String[] KERNELS = {"no_loads", "b_only", "a_uniform", "a_gathered", "a_vload8", "a_local"};
    private static final int M = 512, N = 512, K = 512;

    public static void main(String[] args) throws Exception {
        CL.setExceptionsEnabled(true);
        int wm = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        List<cl_device_id> devices = new ArrayList<>();
        List<cl_platform_id> platforms = new ArrayList<>();
        int[] count = new int[1];
        CL.clGetPlatformIDs(0, null, count);
        cl_platform_id[] ps = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(ps.length, ps, null);
        for (cl_platform_id p : ps) {
            try {
                CL.clGetDeviceIDs(p, 0xFFFFFFFFL, 0, null, count);
                cl_device_id[] ds = new cl_device_id[count[0]];
                CL.clGetDeviceIDs(p, 0xFFFFFFFFL, ds.length, ds, null);
                for (cl_device_id d : ds) {
                    devices.add(d);
                    platforms.add(p);
                }
            } catch (CLException e) {
                // a platform without devices
            }
        }
        int index = Integer.parseInt(args[0]);
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, platforms.get(index));
        cl_device_id dev = devices.get(index);
        cl_context ctx = CL.clCreateContext(props, 1, new cl_device_id[]{dev}, null, null, null);
        cl_command_queue q = CL.clCreateCommandQueueWithProperties(ctx, dev, new cl_queue_properties(), null);
        float[] a = new float[M * K], b = new float[K * N], c = new float[M * N];
        Random rnd = new Random(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat();
            b[i] = rnd.nextFloat();
        }
        cl_mem da = CL.clCreateBuffer(ctx, CL.CL_MEM_COPY_HOST_PTR, 4L * a.length, Pointer.to(a), null);
        cl_mem db = CL.clCreateBuffer(ctx, CL.CL_MEM_COPY_HOST_PTR, 4L * b.length, Pointer.to(b), null);
        cl_mem dc = CL.clCreateBuffer(ctx, CL.CL_MEM_READ_WRITE, 4L * c.length, null, null);
        String source = Files.readString(Path.of("bench/loads/loads.cl"));
        double want = 0;
        for (int p = 0; p < K; p++) {
            want += (double) a[3 * K + p] * b[p * N + 5];
        }
        for (String name : KERNELS) {
            cl_program program = CL.clCreateProgramWithSource(ctx, 1, new String[]{source}, null, null);
            CL.clBuildProgram(program, 0, null, "-DWM=" + wm, null, null);
            cl_kernel k = CL.clCreateKernel(program, name, null);
            cl_mem[] bufs = {da, db, dc};
            for (int i = 0; i < 3; i++) {
                CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(bufs[i]));
            }
            for (int i = 0; i < 3; i++) {
                CL.clSetKernelArg(k, 3 + i, Sizeof.cl_int, Pointer.to(new int[]{new int[]{M, N, K}[i]}));
            }
            double best = Double.MAX_VALUE;
            for (int run = 0; run < 4; run++) {
                long t0 = System.nanoTime();
                CL.clEnqueueNDRangeKernel(q, k, 2, null, new long[]{N, M / wm}, new long[]{64, 1}, 0, null, null);
                CL.clFinish(q);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            CL.clEnqueueReadBuffer(q, dc, true, 0, 4L * c.length, Pointer.to(c), 0, null, null);
            boolean gemm = name.startsWith("a_");
            System.out.printf("%-11s WM=%-2d %7.2f GFLOP/s%s%n", name, wm, 2.0 * M * N * K / best / 1e9,
                    gemm ? String.format("  C[3,5] %.3f, want %.3f", c[3 * N + 5], want) : "");
            CL.clReleaseKernel(k);
            CL.clReleaseProgram(program);
        }
    }
}
