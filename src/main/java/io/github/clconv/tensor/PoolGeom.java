package io.github.clconv.tensor;

/** Geometry of 2-d pooling over NCHW input with a square window. */
public record PoolGeom(int n, int c, int h, int w, int kernel, int stride, int pad) {

    public PoolGeom {
        String d = "input [" + n + "," + c + "," + h + "," + w + "], kernel " + kernel + ", stride " + stride + ", pad " + pad;
        if (n < 1 || c < 1 || h < 1 || w < 1 || kernel < 1) {
            throw new IllegalArgumentException("pool2d: every size must be >= 1, got " + d);
        }
        if (stride < 1) {
            throw new IllegalArgumentException("pool2d: stride must be >= 1, got " + d);
        }
        if (pad < 0) {
            throw new IllegalArgumentException("pool2d: padding must be >= 0, got " + d);
        }
        if (2 * pad > kernel) {
            throw new IllegalArgumentException("pool2d: padding must be at most half the kernel (as in PyTorch), got " + d);
        }
        if (ConvGeom.outSize(h, kernel, stride, pad) < 1 || ConvGeom.outSize(w, kernel, stride, pad) < 1) {
            throw new IllegalArgumentException("pool2d: output size < 1 for " + d + "; use a smaller kernel");
        }
    }

    public static PoolGeom of(Shape input, int kernel, int stride, int pad) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("pool2d: input must be NCHW (rank 4), got " + input);
        }
        return new PoolGeom(input.dim(0), input.dim(1), input.dim(2), input.dim(3), kernel, stride, pad);
    }

    public int oh() {
        return ConvGeom.outSize(h, kernel, stride, pad);
    }

    public int ow() {
        return ConvGeom.outSize(w, kernel, stride, pad);
    }

    public Shape input() {
        return Shape.of(n, c, h, w);
    }

    public Shape output() {
        return Shape.of(n, c, oh(), ow());
    }

    @Override
    public String toString() {
        return "input [" + n + "," + c + "," + h + "," + w + "], kernel " + kernel + ", stride " + stride + ", pad " + pad;
    }
}
