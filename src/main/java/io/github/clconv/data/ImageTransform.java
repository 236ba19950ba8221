package io.github.clconv.data;

/**
 * What torchvision's evaluation transform does to a photo, on planes of floats [C, H, W]:
 * Resize (the shorter side to a length, bilinear with antialiasing, as PIL resamples) and
 * CenterCrop. A network trained at N x N sees a photo of any size as
 * resizeCrop(N): the shorter side to round(N / 0.875) (256 for 224, ImageNet's convention),
 * then the centre N x N; an image already N x N is used as it is, pixel for pixel.
 */
public final class ImageTransform {
    /** ImageNet's evaluation ratio: Resize(256) then CenterCrop(224). */
    static final double CROP_FRACTION = 0.875;

    private ImageTransform() {
    }

    /** The image [c, h, w] as the model's N x N input. */
    public static float[] resizeCrop(float[] img, int c, int h, int w, int size) {
        if (h == size && w == size) {
            return img;
        }
        int shorter = (int) Math.round(size / CROP_FRACTION);
        int[] hw = resizedSize(h, w, shorter);
        float[] resized = resize(img, c, h, w, hw[0], hw[1]);
        return centerCrop(resized, c, hw[0], hw[1], size, size);
    }

    /** torchvision's Resize(int): the shorter side becomes shorter, the longer int(shorter * long / short). */
    static int[] resizedSize(int h, int w, int shorter) {
        if (h <= w) {
            return new int[]{shorter, (int) ((long) shorter * w / h)};
        }
        return new int[]{(int) ((long) shorter * h / w), shorter};
    }

    /** torchvision's CenterCrop: the offsets rounded half to even, as Python's round(). */
    static float[] centerCrop(float[] img, int c, int h, int w, int oh, int ow) {
        if (oh > h || ow > w) {
            throw new IllegalArgumentException("a " + oh + " x " + ow + " crop of a " + h + " x " + w + " image");
        }
        int top = (int) Math.rint((h - oh) / 2.0), left = (int) Math.rint((w - ow) / 2.0);
        float[] out = new float[c * oh * ow];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < oh; y++) {
                System.arraycopy(img, (k * h + top + y) * w + left, out, (k * oh + y) * ow, ow);
            }
        }
        return out;
    }

    /** Bilinear resampling with PIL's antialiasing (a triangle filter widened by the scale when shrinking), rows then columns. */
    static float[] resize(float[] img, int c, int h, int w, int oh, int ow) {
        Filter fx = new Filter(w, ow), fy = new Filter(h, oh);
        float[] mid = new float[c * h * ow], out = new float[c * oh * ow];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                int row = (k * h + y) * w;
                for (int x = 0; x < ow; x++) {
                    double s = 0;
                    for (int i = 0; i < fx.count[x]; i++) {
                        s += fx.weights[x][i] * img[row + fx.first[x] + i];
                    }
                    mid[(k * h + y) * ow + x] = (float) s;
                }
            }
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    double s = 0;
                    for (int i = 0; i < fy.count[y]; i++) {
                        s += fy.weights[y][i] * mid[(k * h + fy.first[y] + i) * ow + x];
                    }
                    out[(k * oh + y) * ow + x] = (float) s;
                }
            }
        }
        return out;
    }

    /** Per output position: the first input it reads, how many, and their normalised weights (PIL's precompute_coeffs). */
    private static final class Filter {
        final int[] first, count;
        final double[][] weights;

        Filter(int in, int out) {
            double scale = (double) in / out, widen = Math.max(scale, 1.0), support = widen; // bilinear: support 1, widened
            first = new int[out];
            count = new int[out];
            weights = new double[out][];
            for (int x = 0; x < out; x++) {
                double center = (x + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0), hi = Math.min((int) (center + support + 0.5), in);
                double[] wts = new double[hi - lo];
                double sum = 0;
                for (int i = 0; i < wts.length; i++) {
                    double t = Math.abs((i + lo - center + 0.5) / widen);
                    wts[i] = t < 1 ? 1 - t : 0;
                    sum += wts[i];
                }
                for (int i = 0; i < wts.length; i++) {
                    wts[i] = sum > 0 ? wts[i] / sum : 0;
                }
                first[x] = lo;
                count[x] = wts.length;
                weights[x] = wts;
            }
        }
    }
}
