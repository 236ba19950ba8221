package io.github.clconv.data;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/**
 * A dataset on the device. When its images fit the data budget they are uploaded once and a
 * batch is gathered on the device from an index list uploaded once per epoch, so a step
 * sends nothing. A larger set is streamed: the epoch's order is cut into chunks of as many
 * images as the budget holds, each chunk gathered on the host and uploaded when the first
 * batch that needs it comes, then batches are gathered from it on the device. Either way
 * the batches hold the same values. Photos (bytes at their stored size) are made into inputs
 * on the host, in parallel, when uploaded: once when centre-cropped and the set fits, else
 * per chunk; random-resized crops are always streamed, drawn afresh from each pass's seed.
 */
public final class DeviceDataset implements AutoCloseable {
    /** The default budget: a quarter of the device's memory, and no more than one buffer may hold. */
    public static long defaultBudget(Backend b) {
        return Math.min(b.maxBufferBytes(), b.memoryBytes() / 4);
    }

    private final Backend b;
    private final Dataset data;
    private final Buf images, labels; // resident: the whole set; streamed: one chunk
    private final int chunk; // images per chunk; the whole set when resident
    private final boolean resident;
    private long passSeed; // streamed photos: this pass's crops
    private int[] hostOrder; // streamed: this epoch's order
    private int loaded = -1; // streamed: the position in the order where the loaded chunk starts
    private Buf local; // streamed: 0, 1, 2, ... as float-coded indices into the chunk

    public DeviceDataset(Backend b, Dataset data) {
        this(b, data, defaultBudget(b));
    }

    /** budgetBytes: the most device memory the images and labels may take; a larger set is streamed. */
    public DeviceDataset(Backend b, Dataset data, long budgetBytes) {
        this.b = b;
        this.data = data;
        long perImage = 4L * (data.sample().size() + 1);
        resident = perImage * data.size() <= budgetBytes && (data.photos() == null || !data.photos().randomCrops());
        if (perImage * data.size() <= budgetBytes) {
            chunk = data.size();
        } else {
            chunk = (int) Math.min(data.size(), budgetBytes / perImage);
            if (chunk < 1) {
                throw new IllegalArgumentException("a data budget of " + budgetBytes + " bytes holds no image of " + data.sample()
                        + " (" + perImage + " bytes); raise the data budget (--data-budget on the command line)");
            }
        }
        for (int i = 0; i < data.size(); i++) {
            if (data.labels()[i] < 0 || data.labels()[i] >= data.classes()) {
                throw new IllegalArgumentException(data.name() + ": label " + data.labels()[i] + " at index " + i + " is out of range [0, " + data.classes() + ")");
            }
        }
        Shape sample = data.sample();
        Buf im = null, l = null;
        try {
            if (resident()) {
                im = b.upload(Shape.of(data.size(), sample.dim(0), sample.dim(1), sample.dim(2)), data.images());
                l = b.uploadLabels(data.labels(), data.classes());
            } else {
                im = b.zeros(Shape.of(chunk, sample.dim(0), sample.dim(1), sample.dim(2)));
                l = b.zeros(Shape.of(chunk));
                float[] idx = new float[chunk];
                for (int i = 0; i < chunk; i++) {
                    idx[i] = i;
                }
                local = b.upload(Shape.of(chunk), idx);
            }
        } catch (RuntimeException e) {
            for (Buf x : new Buf[]{im, l, local}) {
                if (x != null) {
                    x.close();
                }
            }
            throw e;
        }
        this.images = im;
        this.labels = l;
    }

    public boolean resident() {
        return resident;
    }

    /** Images per upload when streamed; the set's size when resident. */
    public int chunkImages() {
        return chunk;
    }

    public Dataset data() {
        return data;
    }

    public int size() {
        return data.size();
    }

    /** Opens a dataset within budgetMiB (null: the default budget), saying on stderr when it is streamed. */
    public static DeviceDataset open(Backend b, Dataset data, Long budgetMiB) {
        long budget = budgetMiB == null ? defaultBudget(b) : budgetMiB >= 1L << 43 ? Long.MAX_VALUE : budgetMiB << 20; // no overflow at Long.MAX_VALUE MiB
        DeviceDataset d = new DeviceDataset(b, data, budget);
        if (!d.resident() && d.chunk < data.size()) {
            System.err.printf(java.util.Locale.ROOT, "%s set: %,d MiB of images is over the data budget of %,d MiB, so it is streamed in chunks of %,d images"
                    + " (the data budget is --data-budget MiB on the command line)%n", data.name(), (4L * data.sample().size() * data.size()) >> 20, budget >> 20, d.chunk);
        }
        return d;
    }

    /** The batches of one pass over the samples in this order; close it when the pass ends (one pass at a time). */
    public Pass pass(int[] order) {
        return pass(order, 0);
    }

    /** The same; seed draws the pass's random-resized crops of photos (nothing else is random here). */
    public Pass pass(int[] order, long seed) {
        passSeed = seed;
        return new Pass(order);
    }

    /** One pass: batch(offset, x, y) fills x [B, C, H, W] and y [B] with the samples order[offset .. offset + B). */
    public final class Pass implements AutoCloseable {
        private final Buf orderBuf;

        private Pass(int[] order) {
            if (resident()) {
                float[] f = new float[order.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = order[i];
                }
                orderBuf = b.upload(Shape.of(Math.max(1, f.length)), f.length == 0 ? new float[1] : f);
            } else {
                orderBuf = null;
                hostOrder = order.clone();
                loaded = -1;
            }
        }

        public void batch(int offset, Buf x, Buf y) {
            int n = x.shape().dim(0);
            if (orderBuf != null) {
                b.gatherRows(images, orderBuf, offset, x);
                b.gatherRows(labels, orderBuf, offset, y);
                return;
            }
            if (n > chunk) {
                throw new IllegalArgumentException("a batch of " + n + " images is larger than the " + chunk + " the data budget holds; raise the data budget (--data-budget on the command line)");
            }
            if (loaded < 0 || offset < loaded || offset + n > loaded + chunk) {
                load(offset);
            }
            b.gatherRows(images, local, offset - loaded, x);
            b.gatherRows(labels, local, offset - loaded, y);
        }

        /** Gathers order[from .. from + chunk) on the host and uploads it (a short last chunk is padded with zeros). */
        private void load(int from) {
            int per = data.sample().size(), count = Math.min(chunk, hostOrder.length - from);
            float[] x = new float[chunk * per], y = new float[chunk];
            Photos photos = data.photos();
            if (photos != null) {
                java.util.stream.IntStream.range(0, count).parallel().forEach(i -> photos.fill(hostOrder[from + i], passSeed, x, i * per));
            }
            for (int i = 0; i < count; i++) {
                int s = hostOrder[from + i];
                if (photos == null) {
                    System.arraycopy(data.images(), s * per, x, i * per, per);
                }
                y[i] = data.labels()[s];
            }
            b.write(images, x);
            b.write(labels, y);
            loaded = from;
        }

        @Override
        public void close() {
            if (orderBuf != null) {
                orderBuf.close();
            }
        }
    }

    @Override
    public void close() {
        images.close();
        labels.close();
        if (local != null) {
            local.close();
        }
    }
}
