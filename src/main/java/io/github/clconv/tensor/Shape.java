package io.github.clconv.tensor;

import java.util.Arrays;

/** Dimensions of a dense float32 tensor, row-major (NCHW for images). Immutable. */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /** Tensors here are at most [N, C, H, W]; a few more leave room without admitting absurd ranks from files. */
    public static final int MAX_RANK = 8;

    public static Shape of(int... dims) {
        if (dims.length > MAX_RANK) {
            throw new IllegalArgumentException("a shape of " + dims.length + " dimensions; clconv's tensors have at most " + MAX_RANK);
        }
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + ": every dimension must be >= 1");
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31-1 elements");
            }
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i];
    }

    public int[] dims() {
        return dims.clone();
    }

    public int size() {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Product of the dimensions after the first: features per sample. */
    public int perSample() {
        return size() / dims[0];
    }

    public Shape withFirst(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : ",").append(dims[i]);
        }
        return b.append(']').toString();
    }
}
