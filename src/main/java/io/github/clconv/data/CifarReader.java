package io.github.clconv.data;

import io.github.clconv.tensor.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CIFAR binary versions: CIFAR-10's data_batch_1.bin … data_batch_5.bin and
 * test_batch.bin (records of one label byte, then 3,072 bytes: the 32 x 32 R, G and B
 * planes), and CIFAR-100's train.bin and test.bin (a coarse and a fine label byte, then
 * the same planes; the fine label is used). Class names come from batches.meta.txt or
 * fine_label_names.txt when present. Each file's length must be a whole number of records.
 */
public final class CifarReader {
    private static final int PIXELS = 3 * 32 * 32;
    private static final Shape SAMPLE = Shape.of(3, 32, 32);

    private CifarReader() {
    }

    /** Whether dir holds CIFAR-10 or CIFAR-100 binary files. */
    static boolean holds(Path dir) {
        // any one of the names: load() then says what else is missing or wrong, instead of another format's reader naming its own files
        return Files.exists(dir.resolve("test_batch.bin")) || Files.exists(dir.resolve("data_batch_1.bin"))
                || Files.exists(dir.resolve("train.bin")) || Files.exists(dir.resolve("test.bin"));
    }

    static Dataset[] load(Path dir) throws IOException {
        boolean ten = Files.exists(dir.resolve("test_batch.bin")) || Files.exists(dir.resolve("data_batch_1.bin"));
        boolean hundred = Files.exists(dir.resolve("train.bin")) || Files.exists(dir.resolve("test.bin"));
        if (ten && hundred) {
            throw new IOException(dir + ": holds both CIFAR-10 files (data_batch_N.bin, test_batch.bin) and CIFAR-100 files (train.bin,"
                    + " test.bin); keep one set in the folder");
        }
        List<Path> train = new ArrayList<>();
        Path test;
        if (hundred) {
            train.add(dir.resolve("train.bin"));
            test = dir.resolve("test.bin");
            for (Path f : List.of(train.get(0), test)) {
                if (!Files.isRegularFile(f)) {
                    throw new IOException(dir + ": a CIFAR-100 folder holds train.bin and test.bin; " + f.getFileName()
                            + (Files.exists(f) ? " is not a regular file" : " is missing"));
                }
            }
        } else {
            for (int i = 1; i <= 5; i++) {
                Path f = dir.resolve("data_batch_" + i + ".bin");
                if (Files.isRegularFile(f)) {
                    train.add(f);
                }
            }
            test = dir.resolve("test_batch.bin");
            if (train.isEmpty() || !Files.isRegularFile(test)) {
                throw new IOException(dir + ": a CIFAR-10 folder holds data_batch_1.bin … data_batch_5.bin and test_batch.bin; "
                        + (train.isEmpty() ? "no data_batch_N.bin" : "no test_batch.bin") + " here");
            }
        }
        int classes = hundred ? 100 : 10;
        List<String> names = names(dir.resolve(hundred ? "fine_label_names.txt" : "batches.meta.txt"), classes);
        return new Dataset[]{read("train", train, hundred, classes, names), read("test", List.of(test), hundred, classes, names)};
    }

    private static Dataset read(String name, List<Path> files, boolean hundred, int classes, List<String> names) throws IOException {
        int record = (hundred ? 2 : 1) + PIXELS;
        long total = 0;
        for (Path f : files) {
            io.github.clconv.util.InputFiles.checkReadable(f);
            long size = Files.size(f);
            if (size == 0 || size % record != 0) {
                throw new IOException(f + ": " + size + " bytes is not a whole number of " + record + "-byte CIFAR-" + classes
                        + " records; the file is truncated or not CIFAR binary");
            }
            total += size / record;
        }
        if (total * PIXELS > Integer.MAX_VALUE) {
            throw new IOException(files.get(0).getParent() + ": " + total + " images do not fit one array");
        }
        float[] x = new float[(int) total * PIXELS];
        int[] y = new int[(int) total];
        int n = 0;
        byte[] buf = new byte[record];
        for (Path f : files) {
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                while (in.readNBytes(buf, 0, record) == record) {
                    int label = buf[hundred ? 1 : 0] & 0xFF;
                    if (label >= classes) {
                        throw new IOException(f + ": label " + label + " of image " + n + " is out of range [0, " + classes + ")");
                    }
                    y[n] = label;
                    int off = hundred ? 2 : 1;
                    for (int i = 0; i < PIXELS; i++) {
                        x[n * PIXELS + i] = (buf[off + i] & 0xFF) / 255f;
                    }
                    n++;
                }
            }
        }
        return new Dataset(name, x, y, SAMPLE, classes, names);
    }

    /** One name per line, classes lines (blank lines ignored); no file, or the wrong count: no names. */
    private static List<String> names(Path f, int classes) throws IOException {
        if (!Files.isRegularFile(f) || Files.size(f) > 1 << 20) {
            return List.of();
        }
        List<String> names = Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        return names.size() == classes ? names : List.of();
    }
}
