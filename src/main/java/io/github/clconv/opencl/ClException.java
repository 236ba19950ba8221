package io.github.clconv.opencl;

import org.jocl.CL;
import org.jocl.CLException;

/** An OpenCL failure, carrying the op, the symbolic CL error name and what to do about it. */
public class ClException extends RuntimeException {
    public ClException(String message) {
        super(message);
    }

    public ClException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Wraps a JOCL exception raised while running op, adding a hint for the errors a user can act on. */
    public static ClException of(String op, CLException e) {
        String name = CL.stringFor_errorCode(e.getStatus());
        String hint = switch (e.getStatus()) {
            case CL.CL_MEM_OBJECT_ALLOCATION_FAILURE, CL.CL_OUT_OF_RESOURCES, CL.CL_OUT_OF_HOST_MEMORY, CL.CL_INVALID_BUFFER_SIZE ->
                    "; the device is out of memory: use a smaller batch or a smaller model";
            case CL.CL_DEVICE_NOT_AVAILABLE -> "; the device is busy or gone: check `clconv doctor`";
            default -> "";
        };
        return new ClException(op + " failed with " + name + hint, e);
    }
}
