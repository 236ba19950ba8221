package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The resnet20 preset against the PyTorch module of src/test/python/resnet20.py (a copy of
 * the naming contract, models/resnet20.py), run with Debian's python3-torch: the same
 * state_dict names and shapes, a module's saved state_dict loads into clconv and gives its
 * outputs, and a clconv checkpoint loads into the module with strict=True and gives clconv's.
 * Without python3-torch these tests fail with the package to install.
 */
class ResNetInteropTest {
    static final long SEED = 20261203L;
    static final Path PY = Path.of("src/test/python");

    static String python(String... args) throws IOException, InterruptedException {
        Path py = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(py)) {
            fail("/usr/bin/python3 is missing: apt-get install -y python3-torch libopenblas0-pthread");
        }
        List<String> cmd = new ArrayList<>(List.of(py.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(PY.toFile()).redirectErrorStream(true);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("python3 " + String.join(" ", args) + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            fail("python3 " + String.join(" ", args) + " failed" + (out.contains("No module named 'torch'") || out.contains("No module named 'numpy'")
                    ? " (install the module: apt-get install -y python3-torch libopenblas0-pthread)" : "") + ":\n" + out);
        }
        return out;
    }

    @Test
    void theStateDictNamesAndShapesAreTheModules() throws Exception {
        for (int[] cc : new int[][]{{3, 10}, {1, 100}}) {
            Map<String, String> torch = new LinkedHashMap<>();
            for (String line : python("resnet20.py", "names", "" + cc[0], "" + cc[1]).strip().split("\n")) {
                int sp = line.indexOf(' ');
                torch.put(line.substring(0, sp), line.substring(sp + 1).replace(" ", ""));
            }
            Map<String, String> ours = new LinkedHashMap<>();
            ModelSpec.parse("resnet20").withClasses(cc[1]).paramShapes(Shape.of(cc[0], 32, 32)).forEach((k, v) -> {
                ours.put(k, v.toString());
                if (k.endsWith(".running_var")) {
                    ours.put(k.replace(".running_var", ".num_batches_tracked"), "[]");
                }
            });
            assertEquals(torch, ours, "resnet20 for " + cc[0] + " channels and " + cc[1] + " classes");
        }
    }

    static float[] randomInput(int n, Shape in, Random rnd) {
        float[] x = new float[n * in.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    static float[] torchForward(Path weights, int ch, int classes, int n, int h, int w, float[] x, Path dir) throws Exception {
        Path in = dir.resolve("x.f32"), out = dir.resolve("y.f32");
        ByteBuffer bb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(x);
        Files.write(in, bb.array());
        python("resnet20_forward.py", weights.toAbsolutePath().toString(), "" + ch, "" + classes, "" + n, "" + h, "" + w, in.toAbsolutePath().toString(),
                out.toAbsolutePath().toString());
        float[] y = new float[n * classes];
        ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(y);
        return y;
    }

    static float[] clconvForward(Model m, int n, float[] x) {
        Backend b = m.backend();
        int[] d = new int[m.input().rank() + 1];
        d[0] = n;
        System.arraycopy(m.input().dims(), 0, d, 1, m.input().rank());
        try (Buf xb = b.upload(Shape.of(d), x)) {
            return b.download(m.forward(xb, false));
        }
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        double diff = 0, scale = 1e-6;
        for (int i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs(want[i] - got[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertTrue(diff / scale <= tol, what + ": max relative difference " + diff / scale + " > " + tol + " (seed " + SEED + ")");
    }

    @Test
    void aModulesStateDictLoadsIntoClconv(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("torch.safetensors");
        python("resnet20.py", "init", "3", "10", "7", file.toAbsolutePath().toString());
        Checkpoint.Contents c = Checkpoint.read(file);
        assertEquals("resnet20", c.spec(file));
        Shape in = Shape.of(3, 20, 18);
        ModelSpec spec = ModelSpec.parse(c.spec(file));
        Checkpoint.check(spec.paramShapes(in), c, file);
        try (Model m = spec.build(in, TestDevices.cl(), 0L)) {
            Checkpoint.restore(m, c, file);
            float[] x = randomInput(5, in, new Random(SEED));
            assertClose(torchForward(file, 3, 10, 5, 20, 18, x, dir), clconvForward(m, 5, x), 1e-4, "clconv on the module's weights");
        }
    }

    @Test
    void aClconvCheckpointLoadsIntoTheModule(@TempDir Path dir) throws Exception {
        Backend b = TestDevices.cl();
        Random rnd = new Random(SEED);
        Shape in = Shape.of(1, 16, 16);
        try (Model m = ModelSpec.parse("resnet20").withClasses(13).build(in, b, SEED)) {
            // a few training forwards move the running statistics, and random values replace
            // the unit scales and zero shifts, so that loading every tensor matters
            for (NamedParam p : m.params()) {
                if (p.name().endsWith("bn1.weight") || p.name().endsWith(".bias")) {
                    float[] v = new float[p.param().value().shape().size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = 0.5f + rnd.nextFloat();
                    }
                    b.write(p.param().value(), v);
                }
            }
            float[] train = randomInput(8, in, rnd);
            try (Buf xb = b.upload(Shape.of(8, 1, 16, 16), train)) {
                for (int i = 0; i < 3; i++) {
                    m.forward(xb, true);
                }
            }
            Path file = dir.resolve("clconv.safetensors");
            Checkpoint.save(m, file);
            float[] x = randomInput(3, in, rnd);
            assertClose(clconvForward(m, 3, x), torchForward(file, 1, 13, 3, 16, 16, x, dir), 1e-4, "the module on clconv's checkpoint");
        }
    }
}
