package io.github.clconv.train;

import io.github.clconv.tensor.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * PyTorch's weight files (.pth, .pt): the zip archive torch.save writes for a state_dict
 * (PyTorch 1.6 and later): PREFIX/data.pkl, a pickle of the dict whose tensors name their
 * storages by key, and PREFIX/data/KEY, each storage's little-endian bytes. The pickle is read
 * as data only (Unpickler); every size, stride and offset is checked against its storage, and
 * every storage against its entry, before anything is copied. float32, float64, int32 and
 * int64 tensors become float values, as Checkpoint.Contents holds them; batch norm's
 * num_batches_tracked counters are left out, as clconv's safetensors reader leaves them.
 */
final class TorchFile {
    /** A state_dict's pickle is small (names, sizes): a larger one is not a state_dict. */
    static final long MAX_PICKLE_BYTES = 64L << 20;
    /** The most values one tensor may hold (a Java array). */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private TorchFile() {
    }

    /** Whether file starts as a zip archive does (torch.save's format; safetensors starts with its header length). */
    static boolean isZip(Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        }
    }

    static Checkpoint.Contents read(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = null;
            Map<String, ZipEntry> entries = new HashMap<>();
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry z = e.nextElement();
                entries.put(z.getName(), z);
                if (z.getName().endsWith("/data.pkl") && z.getName().indexOf('/') == z.getName().length() - "/data.pkl".length()) {
                    pkl = z;
                }
            }
            if (pkl == null) {
                throw new IOException(file + ": a zip archive without PREFIX/data.pkl, so not a file torch.save wrote");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            Object root = Unpickler.load(readEntry(zip, pkl, MAX_PICKLE_BYTES, file), file.toString());
            if (!(root instanceof Map<?, ?> dict)) {
                throw new IOException(file + ": the pickle holds " + (root == null ? "None" : root.getClass().getSimpleName())
                        + ", not a state_dict (a dict of tensors)");
            }
            if (dict.size() == 1 && dict.get("state_dict") instanceof Map<?, ?> inner) {
                dict = inner; // a training checkpoint {'state_dict': ...}, as Lightning and many scripts save
            }
            Map<String, Shape> shapes = new LinkedHashMap<>();
            Map<String, float[]> tensors = new LinkedHashMap<>();
            Map<String, ByteBuffer> storages = new HashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                String name = (String) e.getKey();
                if (!(e.getValue() instanceof Unpickler.TensorRef t)) {
                    throw new IOException(file + ": " + name + " is not a tensor; clconv reads a state_dict, a dict of tensors");
                }
                if (name.endsWith(".num_batches_tracked")) {
                    continue; // PyTorch's BatchNorm counter; clconv uses a fixed momentum and ignores it (as in safetensors)
                }
                ByteBuffer data = storages.get(t.storage().key());
                if (data == null) {
                    data = storage(zip, entries, prefix, t.storage(), file);
                    storages.put(t.storage().key(), data);
                }
                shapes.put(name, shape(t, name, file));
                tensors.put(name, values(t, data, name, file));
            }
            return new Checkpoint.Contents(Map.of(), shapes, tensors);
        } catch (ZipException e) {
            throw new IOException(file + ": not a readable zip archive (" + e.getMessage() + ")");
        }
    }

    private static int elementBytes(String type, Path file) throws IOException {
        return switch (type) {
            case "torch.FloatStorage", "torch.IntStorage" -> 4;
            case "torch.DoubleStorage", "torch.LongStorage" -> 8;
            default -> throw new IOException(file + ": tensors of " + type + " (clconv reads float32, float64, int32 and int64)");
        };
    }

    private static ByteBuffer storage(ZipFile zip, Map<String, ZipEntry> entries, String prefix, Unpickler.Storage s, Path file) throws IOException {
        ZipEntry z = entries.get(prefix + "data/" + s.key());
        if (z == null) {
            throw new IOException(file + ": storage " + s.key() + " is named by the pickle but missing from the archive");
        }
        long bytes = s.numel() * elementBytes(s.type(), file);
        if (s.numel() > MAX_VALUES || bytes > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": storage " + s.key() + " claims " + s.numel() + " values, more than one tensor can hold");
        }
        byte[] b = readEntry(zip, z, bytes, file);
        if (b.length != bytes) {
            throw new IOException(file + ": storage " + s.key() + " holds " + b.length + " bytes where the pickle says " + s.numel() + " values ("
                    + bytes + " bytes)");
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The entry's bytes, reading at most limit + 1 of them whatever its header claims. */
    private static byte[] readEntry(ZipFile zip, ZipEntry z, long limit, Path file) throws IOException {
        if (z.getSize() > limit) {
            throw new IOException(file + ": " + z.getName() + " is " + z.getSize() + " bytes, more than the " + limit + " it may hold");
        }
        try (InputStream in = zip.getInputStream(z)) {
            byte[] b = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (b.length > limit) {
                throw new IOException(file + ": " + z.getName() + " holds more than the " + limit + " bytes it may");
            }
            return b;
        }
    }

    private static Shape shape(Unpickler.TensorRef t, String name, Path file) throws IOException {
        long n = 1;
        int[] dims = new int[t.size().length];
        for (int i = 0; i < dims.length; i++) {
            if (t.size()[i] < 1 || t.size()[i] > MAX_VALUES) {
                throw new IOException(file + ": " + name + " has size " + java.util.Arrays.toString(t.size()) + "; clconv takes no empty tensors");
            }
            dims[i] = (int) t.size()[i];
            n *= dims[i];
            if (n > MAX_VALUES) {
                throw new IOException(file + ": " + name + " has " + java.util.Arrays.toString(t.size()) + " values, more than one tensor can hold");
            }
        }
        return dims.length == 0 ? Shape.of(1) : Shape.of(dims);
    }

    /** The tensor's values in row-major order, every index checked to lie inside its storage first. */
    private static float[] values(Unpickler.TensorRef t, ByteBuffer data, String name, Path file) throws IOException {
        long last = t.offset();
        long count = 1;
        for (int i = 0; i < t.size().length; i++) {
            last += (t.size()[i] - 1) * t.stride()[i];
            count *= t.size()[i];
        }
        if (t.offset() < 0 || last >= t.storage().numel()) {
            throw new IOException(file + ": " + name + " reads element " + last + " of a storage of " + t.storage().numel());
        }
        float[] v = new float[(int) count];
        int rank = t.size().length;
        long[] idx = new long[rank];
        String type = t.storage().type();
        for (int k = 0; k < v.length; k++) {
            long at = t.offset();
            for (int i = 0; i < rank; i++) {
                at += idx[i] * t.stride()[i];
            }
            v[k] = switch (type) {
                case "torch.FloatStorage" -> data.getFloat((int) (at * 4));
                case "torch.DoubleStorage" -> (float) data.getDouble((int) (at * 8));
                case "torch.IntStorage" -> data.getInt((int) (at * 4));
                default -> data.getLong((int) (at * 8));
            };
            for (int i = rank - 1; i >= 0 && ++idx[i] == t.size()[i]; i--) {
                idx[i] = 0;
            }
        }
        return v;
    }
}
