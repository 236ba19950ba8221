package io.github.clconv.data;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Photos of different sizes kept as bytes, each at its stored size (one shorter than KEEP_RATIO
 * times the input's side is shrunk to it when read, so a folder of camera photos fits in memory),
 * and made into the model's size x size input only when a batch needs them: centre-cropped as
 * torchvision's evaluation transform does, or, for training, a random-resized crop drawn afresh
 * each pass (torchvision's RandomResizedCrop, scale [minScale, 1], ratio [3/4, 4/3]). Normalisation,
 * when set, is applied after the crop. Planes are [c][h][w] bytes, 0..255 for 0..1.
 */
public final class Photos {
    /** Photos are kept with the shorter side at most this many times the input's side: ImageNet's 256 for 224. */
    static final double KEEP_RATIO = 1 / ImageTransform.CROP_FRACTION;

    private final byte[][] pixels;
    private final int[] heights, widths;
    private final int channels, size;
    private final double minScale; // 0: centre crop
    private final double[] mean, std; // null: not normalised

    Photos(byte[][] pixels, int[] heights, int[] widths, int channels, int size) {
        this(pixels, heights, widths, channels, size, 0, null, null);
    }

    private Photos(byte[][] pixels, int[] heights, int[] widths, int channels, int size, double minScale, double[] mean, double[] std) {
        if (pixels.length != heights.length || pixels.length != widths.length) {
            throw new IllegalArgumentException(pixels.length + " photos with " + heights.length + " heights and " + widths.length + " widths");
        }
        for (int i = 0; i < pixels.length; i++) {
            if ((long) channels * heights[i] * widths[i] != pixels[i].length) {
                throw new IllegalArgumentException("photo " + i + " holds " + pixels[i].length + " bytes for " + channels + " x " + heights[i] + " x " + widths[i]);
            }
        }
        this.pixels = pixels;
        this.heights = heights;
        this.widths = widths;
        this.channels = channels;
        this.size = size;
        this.minScale = minScale;
        this.mean = mean;
        this.std = std;
    }

    /** The side a photo's shorter side is shrunk to on reading when it is longer (256 for 224). */
    static int keepSide(int size) {
        return (int) Math.round(size * KEEP_RATIO);
    }

    public int count() {
        return pixels.length;
    }

    public int channels() {
        return channels;
    }

    /** The model's input side. */
    public int size() {
        return size;
    }

    /** Whether batches are random-resized crops (else centre crops). */
    public boolean randomCrops() {
        return minScale > 0;
    }

    /** Bytes held (the set's memory). */
    public long bytes() {
        long n = 0;
        for (byte[] p : pixels) {
            n += p.length;
        }
        return n;
    }

    /** The same photos cut as random-resized crops covering [minScale, 1] of each photo's area. */
    public Photos withRandomCrops(double minScale) {
        if (!(minScale > 0 && minScale <= 1)) {
            throw new IllegalArgumentException("resized-crop:" + minScale + ": the smallest share of a photo's area must lie in (0, 1]");
        }
        return new Photos(pixels, heights, widths, channels, size, minScale, mean, std);
    }

    /** The same photos, centre-cropped (a validation set split from training photos). */
    public Photos centred() {
        return new Photos(pixels, heights, widths, channels, size, 0, mean, std);
    }

    public Photos normalized(double[] m, double[] s) {
        if (m.length != channels || s.length != channels) {
            throw new IllegalArgumentException("normalisation for " + m.length + " channels, the photos have " + channels);
        }
        return new Photos(pixels, heights, widths, channels, size, minScale, m.clone(), s.clone());
    }

    /** Photos order[from .. to), sharing their bytes. */
    public Photos select(int[] order, int from, int to) {
        byte[][] p = new byte[to - from][];
        int[] h = new int[to - from], w = new int[to - from];
        for (int i = from; i < to; i++) {
            p[i - from] = pixels[order[i]];
            h[i - from] = heights[order[i]];
            w[i - from] = widths[order[i]];
        }
        return new Photos(p, h, w, channels, size, minScale, mean, std);
    }

    /** Per channel {mean, population std} over every stored pixel of every photo, in [0, 1]. */
    public double[][] channelStats() {
        double[] sum = new double[channels], sq = new double[channels];
        long count = 0;
        for (int n = 0; n < pixels.length; n++) {
            int plane = heights[n] * widths[n];
            count += plane;
            for (int c = 0; c < channels; c++) {
                long s = 0, s2 = 0;
                for (int i = c * plane, end = i + plane; i < end; i++) {
                    int v = pixels[n][i] & 0xFF;
                    s += v;
                    s2 += v * v;
                }
                sum[c] += s / 255.0;
                sq[c] += s2 / (255.0 * 255.0);
            }
        }
        double[] m = new double[channels], sd = new double[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = count == 0 ? 0 : sum[c] / count;
            sd[c] = count == 0 ? 0 : Math.sqrt(Math.max(sq[c] / count - m[c] * m[c], 0));
        }
        return new double[][]{m, sd};
    }

    /**
     * Writes photo index's input (channels x size x size floats) at out[offset]: a centre crop, or
     * the random-resized crop drawn from (seed, index), so a pass's crops do not depend on the
     * order, the chunking or the replica that asks.
     */
    public void fill(int index, long seed, float[] out, int offset) {
        int h = heights[index], w = widths[index];
        int[] box = minScale > 0 ? box(index, seed) : null;
        float[] img = box == null ? ImageTransform.resizeCrop(floats(index, 0, 0, h, w), channels, h, w, size)
                : ImageTransform.resize(floats(index, box[0], box[1], box[2], box[3]), channels, box[2], box[3], size, size);
        int plane = size * size;
        for (int c = 0; c < channels; c++) {
            double m = mean == null ? 0 : mean[c], s = std == null || std[c] <= 0 ? 1 : 1 / std[c];
            for (int i = 0; i < plane; i++) {
                out[offset + c * plane + i] = mean == null ? img[c * plane + i] : (float) ((img[c * plane + i] - m) * s);
            }
        }
    }

    /** The random-resized crop of photo index in the pass of this seed: {top, left, height, width} in its stored pixels. */
    int[] box(int index, long seed) {
        return cropBox(heights[index], widths[index], minScale, new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ index * 0xC2B2AE3D27D4EB4FL));
    }

    /** Every photo's input, centre-cropped or drawn from seed: [count, channels, size, size]. */
    public float[] fillAll(long seed) {
        int per = channels * size * size;
        if ((long) per * pixels.length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(pixels.length + " photos of " + channels + " x " + size + " x " + size + " do not fit one array");
        }
        float[] out = new float[per * pixels.length];
        IntStream.range(0, pixels.length).parallel().forEach(i -> fill(i, seed, out, i * per));
        return out;
    }

    /** The box rows [top, top + bh) x columns [left, left + bw) of photo index as floats in [0, 1]. */
    private float[] floats(int index, int top, int left, int bh, int bw) {
        int h = heights[index], w = widths[index];
        byte[] p = pixels[index];
        float[] f = new float[channels * bh * bw];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < bh; y++) {
                int from = (c * h + top + y) * w + left, to = (c * bh + y) * bw;
                for (int x = 0; x < bw; x++) {
                    f[to + x] = (p[from + x] & 0xFF) / 255f;
                }
            }
        }
        return f;
    }

    /**
     * torchvision's RandomResizedCrop.get_params: ten tries at an area share in [minScale, 1] and
     * a log-uniform aspect ratio in [3/4, 4/3] that fits, else the centre at the ratio clamped.
     * {top, left, height, width}.
     */
    static int[] cropBox(int h, int w, double minScale, SplittableRandom rnd) {
        double area = (double) h * w, logLo = Math.log(3.0 / 4), logHi = Math.log(4.0 / 3);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + (1 - minScale) * rnd.nextDouble());
            double ratio = Math.exp(logLo + (logHi - logLo) * rnd.nextDouble());
            int cw = (int) Math.round(Math.sqrt(target * ratio)), ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                return new int[]{rnd.nextInt(h - ch + 1), rnd.nextInt(w - cw + 1), ch, cw};
            }
        }
        double in = (double) w / h;
        int cw = w, ch = h;
        if (in < 3.0 / 4) {
            ch = Math.min(h, (int) Math.round(w / (3.0 / 4)));
        } else if (in > 4.0 / 3) {
            cw = Math.min(w, (int) Math.round(h * (4.0 / 3)));
        }
        return new int[]{(h - ch) / 2, (w - cw) / 2, ch, cw};
    }

    @Override
    public String toString() {
        return count() + " photos kept as " + (bytes() >> 20) + " MiB of bytes, " + (randomCrops() ? "random-resized crops" : "centre crops")
                + " of " + size + " x " + size + (mean == null ? "" : ", normalised " + Arrays.toString(mean));
    }
}
