package io.github.clconv.backend;

/** The reference of opencl/augment.cl: a Philox-drawn horizontal flip and padded crop per image. */
final class ReferenceAugment {
    private ReferenceAugment() {
    }

    static void augment(double[] x, int n, int c, int h, int w, boolean hflip, int pad, long seed, double[] y) {
        int span = 2 * pad + 1;
        for (int i = 0; i < n; i++) {
            int[] r = Philox.block(i, 0, 0, 0, (int) seed, (int) (seed >>> 32));
            int dy = Integer.remainderUnsigned(r[1], span) - pad, dx = Integer.remainderUnsigned(r[2], span) - pad;
            boolean flip = hflip && (r[0] & 1) != 0;
            for (int ch = 0; ch < c; ch++) {
                int plane = (i * c + ch) * h * w;
                for (int row = 0; row < h; row++) {
                    for (int col = 0; col < w; col++) {
                        int sh = row + dy, sw = flip ? w - 1 - (col + dx) : col + dx;
                        y[plane + row * w + col] = sh >= 0 && sh < h && sw >= 0 && sw < w ? x[plane + sh * w + sw] : 0;
                    }
                }
            }
        }
    }
}
