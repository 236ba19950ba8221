package io.github.clconv.data;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/**
 * A dataset uploaded to the device once. A batch is gathered on the device from an
 * index list that is itself uploaded once per epoch, so a step sends nothing.
 */
public final class DeviceDataset implements AutoCloseable {
    private final Backend b;
    private final Dataset data;
    private final Buf images, labels;

    public DeviceDataset(Backend b, Dataset data) {
        this.b = b;
        this.data = data;
        Shape all = Shape.of(data.size(), data.sample().dim(0), data.sample().dim(1), data.sample().dim(2));
        this.images = b.upload(all, data.images());
        Buf l;
        try {
            l = b.uploadLabels(data.labels(), data.classes());
        } catch (RuntimeException e) {
            images.close();
            throw e;
        }
        this.labels = l;
    }

    public Dataset data() {
        return data;
    }

    public int size() {
        return data.size();
    }

    /** Fills x [B, C, H, W] and y [B] with the samples order[offset .. offset + B). */
    public void batch(Buf order, int offset, Buf x, Buf y) {
        b.gatherRows(images, order, offset, x);
        b.gatherRows(labels, order, offset, y);
    }

    @Override
    public void close() {
        images.close();
        labels.close();
    }
}
