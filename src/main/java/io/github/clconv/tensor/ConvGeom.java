package io.github.clconv.tensor;

/**
 * Geometry of a 2-d convolution over NCHW input with a [K, C/groups, R, S] filter: with
 * groups G, output channels [g*K/G, (g+1)*K/G) see only input channels [g*C/G, (g+1)*C/G),
 * as PyTorch's Conv2d(groups=G); G = C is a depthwise convolution.
 * Output size per axis: floor((in + 2*pad - kernel) / stride) + 1, which must be >= 1.
 */
public record ConvGeom(int n, int c, int h, int w, int k, int r, int s, int stride, int pad, int groups) {

    public ConvGeom(int n, int c, int h, int w, int k, int r, int s, int stride, int pad) {
        this(n, c, h, w, k, r, s, stride, pad, 1);
    }

    public ConvGeom {
        if (groups < 1 || c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("conv2d: groups " + groups + " must divide both the input channels " + c + " and the output channels " + k);
        }
        if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || r < 1 || s < 1) {
            throw new IllegalArgumentException("conv2d: every size must be >= 1, got " + describe(n, c, h, w, k, r, s, stride, pad));
        }
        if (stride < 1) {
            throw new IllegalArgumentException("conv2d: stride must be >= 1, got " + stride + " for " + describe(n, c, h, w, k, r, s, stride, pad));
        }
        if (pad < 0) {
            throw new IllegalArgumentException("conv2d: padding must be >= 0, got " + pad + " for " + describe(n, c, h, w, k, r, s, stride, pad));
        }
        if (outSize(h, r, stride, pad) < 1 || outSize(w, s, stride, pad) < 1) {
            throw new IllegalArgumentException("conv2d: output size " + outSize(h, r, stride, pad) + "x" + outSize(w, s, stride, pad)
                    + " < 1 for " + describe(n, c, h, w, k, r, s, stride, pad) + "; use a smaller kernel or more padding");
        }
    }

    public static int outSize(int in, int kernel, int stride, int pad) {
        return Math.floorDiv(in + 2 * pad - kernel, stride) + 1;
    }

    public int oh() {
        return outSize(h, r, stride, pad);
    }

    public int ow() {
        return outSize(w, s, stride, pad);
    }

    /** Input channels per group: the filter's second dimension. */
    public int cg() {
        return c / groups;
    }

    /** Output channels per group. */
    public int kg() {
        return k / groups;
    }

    /** Rows of the im2col matrix: C*R*S (group g's are the contiguous slice [g*C/G*R*S, (g+1)*C/G*R*S)). */
    public int colRows() {
        return c * r * s;
    }

    public Shape input() {
        return Shape.of(n, c, h, w);
    }

    public Shape weight() {
        return Shape.of(k, c / groups, r, s);
    }

    public Shape output() {
        return Shape.of(n, k, oh(), ow());
    }

    /** im2col of the whole batch: [C*R*S, N*OH*OW]. */
    public Shape col() {
        return Shape.of(colRows(), n * oh() * ow());
    }

    public ConvGeom withBatch(int nb) {
        return new ConvGeom(nb, c, h, w, k, r, s, stride, pad, groups);
    }

    private static String describe(int n, int c, int h, int w, int k, int r, int s, int stride, int pad) {
        return "input [" + n + "," + c + "," + h + "," + w + "], weight [" + k + "," + c + "," + r + "," + s + "], stride " + stride + ", pad " + pad;
    }

    @Override
    public String toString() {
        String d = describe(n, c, h, w, k, r, s, stride, pad);
        return groups == 1 ? d : d.replace("weight [" + k + "," + c + ",", "weight [" + k + "," + cg() + ",").replace("], stride", "], groups " + groups + ", stride");
    }
}
