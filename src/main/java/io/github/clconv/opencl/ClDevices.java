package io.github.clconv.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.util.ArrayList;
import java.util.List;

/** Finds OpenCL platforms and devices and resolves a --device choice. */
public final class ClDevices {
    public static final String INSTALL_HINT =
            "install an OpenCL runtime: on Debian/Ubuntu `sudo apt-get install ocl-icd-opencl-dev pocl-opencl-icd` "
                    + "(CPU), or your GPU vendor's OpenCL driver; `clconv doctor` explains what is missing";

    /**
     * CL_DEVICE_TYPE_ALL as the 64-bit bit field the API takes: JOCL's constant is the int
     * 0xFFFFFFFF, which widens to -1, and strict implementations (Mesa's rusticl) reject that.
     */
    static final long ALL_TYPES = 0xFFFFFFFFL;

    private ClDevices() {
    }

    /** Every device of every platform; fails with an install hint when there is no OpenCL at all. Serialised: concurrent
     *  discovery crashed PoCL 3.1 inside clGetDeviceInfo. */
    public static synchronized List<DeviceInfo> list() {
        try {
            CL.setExceptionsEnabled(true);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new ClException("cannot load the OpenCL library libOpenCL.so (" + e.getMessage() + "): " + INSTALL_HINT, e);
        }
        int[] count = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            throw new ClException("no OpenCL platform found (" + CL.stringFor_errorCode(e.getStatus()) + "): " + INSTALL_HINT, e);
        } catch (UnsatisfiedLinkError e) {
            throw new ClException("cannot load the OpenCL library libOpenCL.so (" + e.getMessage() + "): " + INSTALL_HINT, e);
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        if (count[0] > 0) {
            CL.clGetPlatformIDs(count[0], platforms, null);
        }
        List<DeviceInfo> out = new ArrayList<>();
        for (cl_platform_id p : platforms) {
            String pname = platformString(p, CL.CL_PLATFORM_NAME);
            int[] n = new int[1];
            try {
                CL.clGetDeviceIDs(p, ALL_TYPES, 0, null, n);
            } catch (CLException e) {
                if (e.getStatus() == CL.CL_DEVICE_NOT_FOUND) {
                    continue; // a platform with no devices is simply skipped
                }
                throw new ClException("OpenCL platform '" + pname + "' failed to list its devices ("
                        + CL.stringFor_errorCode(e.getStatus()) + "); its driver is broken or misconfigured: "
                        + "check it with `clinfo -l`, or remove its file from /etc/OpenCL/vendors", e);
            }
            cl_device_id[] devs = new cl_device_id[n[0]];
            CL.clGetDeviceIDs(p, ALL_TYPES, n[0], devs, null);
            for (cl_device_id d : devs) {
                long type = deviceLong(d, CL.CL_DEVICE_TYPE);
                out.add(new DeviceInfo(out.size(), p, d, pname, deviceString(d, CL.CL_DEVICE_NAME),
                        (type & CL.CL_DEVICE_TYPE_GPU) != 0, (type & CL.CL_DEVICE_TYPE_CPU) != 0,
                        deviceString(d, CL.CL_DEVICE_VERSION), deviceString(d, CL.CL_DRIVER_VERSION),
                        deviceLong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(d, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        (int) deviceInt(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS), deviceSize(d, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                        deviceLong(d, CL.CL_DEVICE_LOCAL_MEM_SIZE), deviceLong(d, CL.CL_DEVICE_GLOBAL_MEM_CACHE_SIZE)));
            }
        }
        return out;
    }

    /** auto: the first GPU, else the first CPU device; gpu, cpu, or an index from `clconv devices`. */
    public static DeviceInfo choose(List<DeviceInfo> all, String spec) {
        if (all.isEmpty()) {
            throw new ClException("OpenCL is installed but lists no device. PoCL lists none when it cannot create its kernel cache"
                    + " (~/.cache/pocl): set POCL_CACHE_DIR to a writable folder; otherwise " + INSTALL_HINT);
        }
        String s = spec == null ? "auto" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        switch (s) {
            case "auto":
                return all.stream().filter(DeviceInfo::gpu).findFirst()
                        .orElseGet(() -> all.stream().filter(DeviceInfo::cpu).findFirst().orElse(all.get(0)));
            case "gpu":
                return all.stream().filter(DeviceInfo::gpu).findFirst().orElseThrow(() -> new ClException(
                        "device gpu: no GPU among the OpenCL devices " + names(all) + "; install the GPU vendor's OpenCL driver or choose the cpu device"));
            case "cpu":
                return all.stream().filter(DeviceInfo::cpu).findFirst().orElseThrow(() -> new ClException(
                        "device cpu: no CPU OpenCL device among " + names(all) + "; `sudo apt-get install pocl-opencl-icd` provides one"));
            default:
                int i;
                try {
                    i = Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("device '" + spec + "': expected auto, gpu, cpu, reference or a device index from `clconv devices`");
                }
                if (i < 0 || i >= all.size()) {
                    throw new IllegalArgumentException("device " + i + ": there are " + all.size() + " devices, numbered 0 to " + (all.size() - 1));
                }
                return all.get(i);
        }
    }

    private static String names(List<DeviceInfo> all) {
        return all.stream().map(DeviceInfo::describe).toList().toString();
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    static long deviceSize(cl_device_id d, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    static long deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
