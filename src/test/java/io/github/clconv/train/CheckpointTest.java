package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Sequential;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    static final String SPEC = "conv(6,3,p=1)-bn-relu-maxpool(2)-flatten-linear(12)-bn-relu-linear(10)";
    @TempDir
    Path dir;

    static float[] outputs(Sequential m, float[] input) {
        Backend b = m.backend();
        try (Buf x = b.upload(Shape.of(3, 1, 8, 8), input)) {
            return b.download(m.forward(x, false));
        }
    }

    static float[] input() {
        Random rnd = new Random(3);
        float[] v = new float[3 * 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextFloat();
        }
        return v;
    }

    @Test
    void roundTripGivesIdenticalOutputs() throws IOException {
        Backend b = TestDevices.cl();
        int live = b.liveBuffers();
        Path f = dir.resolve("m.safetensors");
        try (Sequential a = Sequential.of(ModelSpec.parse(SPEC), Shape.of(1, 8, 8), b, 11L)) {
            // move the running statistics away from their initial values so they are checked too
            try (Buf x = b.upload(Shape.of(3, 1, 8, 8), input())) {
                a.forward(x, true);
            }
            Checkpoint.save(a, f);
            Checkpoint.Contents c = Checkpoint.read(f);
            assertEquals(SPEC, c.spec(f));
            assertEquals(Shape.of(1, 8, 8), c.input(f));
            assertTrue(c.shapes().containsKey("0.weight") && c.shapes().containsKey("1.running_var") && c.shapes().containsKey("6.running_mean"),
                    "PyTorch state_dict names: " + c.shapes().keySet());
            assertEquals(Shape.of(6, 1, 3, 3), c.shapes().get("0.weight"));
            assertEquals(Shape.of(12, 6 * 4 * 4), c.shapes().get("5.weight"));
            try (Sequential restored = Sequential.of(ModelSpec.parse(c.spec(f)), c.input(f), b, 999L)) {
                assertFalse(Arrays.equals(outputs(a, input()), outputs(restored, input())), "a different seed gives different weights");
                Checkpoint.restore(restored, c, f);
                assertArrayEquals(outputs(a, input()), outputs(restored, input()));
            }
        }
        assertEquals(live, b.liveBuffers());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aCheckpointOfAnotherModelNamesTheTensorAndBothShapes() throws IOException {
        Backend b = TestDevices.cl();
        Path f = dir.resolve("m.safetensors");
        try (Sequential a = Sequential.of(ModelSpec.parse(SPEC), Shape.of(1, 8, 8), b, 1L)) {
            Checkpoint.save(a, f);
        }
        try (Sequential other = Sequential.of(ModelSpec.parse(SPEC.replace("conv(6,3", "conv(7,3")), Shape.of(1, 8, 8), b, 1L)) {
            IOException e = assertThrows(IOException.class, () -> Checkpoint.restore(other, Checkpoint.read(f), f));
            assertTrue(e.getMessage().contains("0.weight") && e.getMessage().contains("[6,1,3,3]") && e.getMessage().contains("[7,1,3,3]"), e.getMessage());
        }
        try (Sequential other = Sequential.of(ModelSpec.parse("conv(6,3,p=1)-relu-flatten-linear(10)"), Shape.of(1, 8, 8), b, 1L)) {
            IOException e = assertThrows(IOException.class, () -> Checkpoint.restore(other, Checkpoint.read(f), f));
            assertTrue(e.getMessage().contains("3.weight") && e.getMessage().contains("missing"), e.getMessage());
        }
    }

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h);
        return bb.array();
    }

    void rejected(byte[] content, String... words) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, content);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + e.getMessage() + "' should mention '" + w + "'");
        }
    }

    @Test
    void corruptHeadersAreRejectedBeforeAllocating() throws IOException {
        rejected(new byte[5], "shorter than the 8-byte");
        byte[] huge = file("{}", 0);
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE / 2);
        rejected(huge, "header length", "impossible");
        rejected(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4), "claims bytes [0, 8)", "has 4");
        rejected(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8), "needs 12 bytes");
        rejected(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [99999999999], \"data_offsets\": [0, 8]}}", 8), "absurd shape");
        rejected(file("{\"a\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4), "F16");
        rejected(file("{not json", 0), "not valid JSON");
        rejected(file("{\"a\": 3}", 0), "malformed");
        rejected(file("{\"a\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 8), "entry a", "dtype must be a string");
        rejected(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}", 8), "shape must hold whole numbers");
        rejected(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8]}}", 8), "two numbers");
        rejected(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 7.5]}}", 8), "whole numbers");
        rejected(file("{\"__metadata__\": {\"clconv.model\": [1]}}", 0), "__metadata__", "must be a string");
    }
}
