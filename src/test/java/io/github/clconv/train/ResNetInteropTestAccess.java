package io.github.clconv.train;

/** ResNetInteropTest's python runner for tests of other packages. */
public final class ResNetInteropTestAccess {
    private ResNetInteropTestAccess() {
    }

    public static String python(String... args) throws Exception {
        return ResNetInteropTest.python(args);
    }
}
