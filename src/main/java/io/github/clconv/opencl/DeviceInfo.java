package io.github.clconv.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as `clconv devices` lists it; index counts across platforms. globalMemCacheBytes:
 * CL_DEVICE_GLOBAL_MEM_CACHE_SIZE (PoCL: the last-level cache; 0 where the driver reports none).
 */
public record DeviceInfo(int index, cl_platform_id platform, cl_device_id device, String platformName, String name,
                         boolean gpu, boolean cpu, String version, String driverVersion, long globalMemBytes,
                         long maxAllocBytes, int computeUnits, long maxWorkGroupSize, long localMemBytes, long globalMemCacheBytes) {

    public String kind() {
        return gpu ? "GPU" : cpu ? "CPU" : "other";
    }

    /** Key for on-disk caches: a driver update invalidates what was tuned or compiled. */
    public String cacheKey() {
        return (name + "|" + driverVersion + "|" + version).replaceAll("[^A-Za-z0-9.|-]", "_");
    }

    public String describe() {
        return name.strip() + " (" + kind() + ", " + platformName.strip() + ", driver " + driverVersion.strip() + ")";
    }
}
