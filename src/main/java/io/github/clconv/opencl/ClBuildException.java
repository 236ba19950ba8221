package io.github.clconv.opencl;

/** A kernel source that the device's compiler rejected; carries the build log. */
public final class ClBuildException extends ClException {
    public ClBuildException(String file, String options, String device, String log) {
        super("building opencl/" + file + " with options [" + options + "] failed on " + device
                + "; this is a clconv bug or a driver problem, please report it with this log:\n" + log.strip());
    }
}
