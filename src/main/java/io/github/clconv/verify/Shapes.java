package io.github.clconv.verify;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;

import java.util.Random;

/**
 * Seeded shapes for agreement checks. The first cases of each family are fixed edge
 * cases (batch 1, 1x1 and 7x7 kernels, stride 2 and 3, padding); the rest are drawn at
 * random with odd sizes and channel counts that are not multiples of 4 or 16.
 */
public final class Shapes {
    private static final int[] KERNELS = {1, 2, 3, 4, 5, 7};

    private Shapes() {
    }

    public static ConvGeom conv(Random rnd, int caseIndex) {
        switch (caseIndex) {
            case 0: return new ConvGeom(1, 3, 9, 11, 5, 1, 1, 1, 0);
            case 1: return new ConvGeom(2, 2, 10, 9, 3, 7, 7, 1, 3);
            case 2: return new ConvGeom(3, 5, 13, 12, 7, 3, 3, 2, 1);
            case 3: return new ConvGeom(2, 17, 11, 11, 6, 5, 5, 3, 2);
            case 4: return new ConvGeom(1, 1, 6, 6, 1, 3, 3, 1, 0);
            case 5: return new ConvGeom(2, 2, 1, 2, 3, 3, 3, 2, 1); // windows reach past the input on both sides
            case 6: return new ConvGeom(4, 3, 16, 16, 5, 3, 3, 1, 1); // N*OH*OW = 1024: the padded row stride
            case 7: return new ConvGeom(3, 18, 7, 9, 13, 1, 1, 1, 0); // 1x1, stride 1: the direct path, 3 images
            case 8: return new ConvGeom(2, 5, 9, 9, 6, 1, 1, 2, 1); // 1x1 with stride and padding: im2col again
            case 9: return new ConvGeom(3, 7, 10, 9, 7, 3, 3, 1, 1, 7); // depthwise
            case 10: return new ConvGeom(2, 6, 8, 11, 9, 3, 3, 2, 1, 3); // 3 groups of 2 inputs to 3 outputs
            case 11: return new ConvGeom(2, 4, 7, 7, 8, 1, 1, 1, 0, 2); // grouped 1x1, stride 1
            case 12: return new ConvGeom(3, 5, 9, 7, 6, 3, 3, 1, 2); // 3x3 stride 1 (Winograd's): pad 2, odd sizes
            case 13: return new ConvGeom(2, 7, 11, 13, 9, 3, 3, 1, 1); // pad 1, partial 2x2 tiles on both edges
            case 14: return new ConvGeom(1, 4, 5, 4, 3, 3, 3, 1, 0); // pad 0
            // direct convolution's (stride 1, "same" padding): planes that are not multiples of a vector
            case 15: return new ConvGeom(3, 6, 7, 7, 17, 3, 3, 1, 1); // 49 pixels, 17 filters (not a multiple of 8)
            case 16: return new ConvGeom(2, 3, 5, 9, 10, 5, 5, 1, 2); // 5x5
            case 17: return new ConvGeom(2, 9, 1, 13, 4, 3, 3, 1, 1); // one row: every tap above or below is padding
            case 18: return new ConvGeom(2, 4, 13, 1, 5, 3, 3, 1, 1); // one column: both side taps masked in every lane
            case 19: return new ConvGeom(1, 2, 3, 4, 3, 7, 7, 1, 3); // a filter larger than the image
            // rows wide enough for winograd.cl's vectors of tiles (16 output columns), last tiles partial or not
            case 20: return new ConvGeom(2, 3, 19, 23, 4, 3, 3, 1, 1); // 23 columns: the last group overlaps, its last tile partial
            case 21: return new ConvGeom(1, 2, 17, 18, 3, 3, 3, 1, 2); // pad 2: 19 x 20 outputs
            case 22: return new ConvGeom(2, 2, 18, 34, 3, 3, 3, 1, 0); // pad 0: 32 columns, whole groups
            // depthwise (groups = C = K), beside case 9: MobileNet's strided 3x3, a 5x5 without padding, a 1-pixel plane
            case 23: return new ConvGeom(2, 13, 11, 9, 13, 3, 3, 2, 1, 13);
            case 24: return new ConvGeom(3, 5, 8, 10, 5, 5, 5, 1, 0, 5);
            case 25: return new ConvGeom(2, 3, 1, 1, 3, 3, 3, 1, 1, 3);
            // depthwise rows wide enough for the row kernels' vectors of 16: stride 1 (a middle vector inside,
            // the last partial), stride 2 (a vector of even lanes inside), 5x5, and pad 2 (the input gradient's turned pad 0)
            case 26: return new ConvGeom(2, 3, 5, 41, 3, 3, 3, 1, 1, 3);
            case 27: return new ConvGeom(1, 4, 5, 67, 4, 3, 3, 2, 1, 4);
            case 28: return new ConvGeom(2, 2, 7, 37, 2, 5, 5, 1, 2, 2);
            case 29: return new ConvGeom(1, 3, 6, 20, 3, 3, 3, 1, 2, 3);
            // direct convolution stacking images' planes (batches of small planes): 4 per stack, the last stack one image;
            // a 5x5 filter over 3x3 planes, 4 per stack (every row tap of an image's edge rows masked)
            case 30: return new ConvGeom(33, 3, 7, 7, 5, 3, 3, 1, 1);
            case 31: return new ConvGeom(36, 2, 3, 3, 40, 5, 5, 1, 2);
            default:
        }
        while (true) {
            int r = KERNELS[rnd.nextInt(KERNELS.length)];
            int s = rnd.nextInt(4) == 0 ? KERNELS[rnd.nextInt(KERNELS.length)] : r;
            int stride = 1 + rnd.nextInt(3), pad = rnd.nextInt(Math.max(r, s) / 2 + 2);
            int n = 1 + rnd.nextInt(4), c = 1 + rnd.nextInt(19), k = 1 + rnd.nextInt(21);
            int h = 1 + rnd.nextInt(17), w = 1 + rnd.nextInt(17);
            int groups = 1;
            if (rnd.nextInt(4) == 0) { // stride 1, "same" padding, odd square filter: direct convolution's shapes
                r = s = 3 + 2 * rnd.nextInt(3);
                stride = 1;
                pad = (r - 1) / 2;
            } else if (rnd.nextInt(4) == 0) { // grouped: channel counts that are multiples of the group count
                groups = 1 + rnd.nextInt(5);
                c = groups * (1 + rnd.nextInt(4));
                k = groups * (1 + rnd.nextInt(4));
            }
            if (ConvGeom.outSize(h, r, stride, pad) >= 1 && ConvGeom.outSize(w, s, stride, pad) >= 1) {
                return new ConvGeom(n, c, h, w, k, r, s, stride, pad, groups);
            }
        }
    }

    public static PoolGeom pool(Random rnd, int caseIndex) {
        switch (caseIndex) {
            case 0: return new PoolGeom(1, 1, 4, 4, 2, 2, 0);
            case 1: return new PoolGeom(2, 3, 7, 9, 3, 2, 1);
            case 2: return new PoolGeom(3, 5, 10, 11, 3, 3, 0);
            case 3: return new PoolGeom(1, 6, 9, 9, 7, 1, 3);
            // rows of more than one 16-output vector, stride 2: the vector loads away from the edges and the partial last vector
            case 4: return new PoolGeom(2, 3, 13, 75, 3, 2, 1);
            case 5: return new PoolGeom(1, 2, 9, 70, 2, 2, 1);
            // stride 1: one vector load per tap, an output at a time at both edges
            case 6: return new PoolGeom(1, 2, 6, 41, 3, 1, 1);
            // 2x2 stride 2: rows of two whole 16-output vectors and a partial one; rows of 14 outputs (odd width, odd height)
            case 7: return new PoolGeom(2, 3, 9, 70, 2, 2, 0);
            case 8: return new PoolGeom(3, 4, 15, 29, 2, 2, 0);
            default:
        }
        while (true) {
            int k = 1 + rnd.nextInt(4), stride = 1 + rnd.nextInt(3), pad = rnd.nextInt(k / 2 + 1);
            int h = 1 + rnd.nextInt(15), w = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 70 : 15);
            if (ConvGeom.outSize(h, k, stride, pad) >= 1 && ConvGeom.outSize(w, k, stride, pad) >= 1) {
                return new PoolGeom(1 + rnd.nextInt(4), 1 + rnd.nextInt(9), h, w, k, stride, pad);
            }
        }
    }

    /** A size in [1, max], with 1 and max themselves likely. */
    public static int size(Random rnd, int max) {
        int pick = rnd.nextInt(8);
        return pick == 0 ? 1 : pick == 1 ? max : 1 + rnd.nextInt(max);
    }
}
