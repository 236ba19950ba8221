package io.github.clconv.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.clconv.TestDevices;
import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.nn.ActivationLayer;
import io.github.clconv.nn.BatchNorm;
import io.github.clconv.nn.Conv2d;
import io.github.clconv.nn.Dropout;
import io.github.clconv.nn.GlobalAvgPool;
import io.github.clconv.nn.Graph;
import io.github.clconv.nn.Linear;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.nn.PRelu;
import io.github.clconv.nn.Pool2d;
import io.github.clconv.onnx.Onnx;
import io.github.clconv.onnx.OnnxExport;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX both ways. clconv's exports pass onnx.checker's full check, run in ONNX Runtime with
 * clconv's outputs, and import back with the same tensors bit for bit; torch.onnx.export's
 * graphs of torchvision networks import and give PyTorch's outputs. Needs python3-onnx and
 * python3-torchvision (fails, never skips, without them).
 */
class OnnxInteropTest {
    private static final long SEED = 20261206L;
    @TempDir
    Path dir;

    /** Every layer kind clconv exports, in one graph with a residual sum and a concatenation. */
    static Graph everyLayer(Backend b, long seed) {
        Graph.Builder g = new Graph.Builder();
        Graph.Node h = g.layer("stem", new Conv2d(8, 3, 1, 1), g.input());
        h = g.layer("stem_bn", new BatchNorm(), h);
        h = g.layer("stem_act", new ActivationLayer(Activation.RELU6, 0f), h);
        Graph.Node a = g.layer("dw", new Conv2d(8, 3, 1, 1, 8, false), h);
        a = g.layer("dw_act", new ActivationLayer(Activation.SILU, 0f), a);
        Graph.Node c = g.layer("side", new Conv2d(4, 3, 2, 1, 1, true), h);
        c = g.layer("side_act", new ActivationLayer(Activation.MISH, 0f), c);
        Graph.Node d = g.layer("down", new Pool2d(false, 3, 2, 1), a);
        h = g.concat(d, c);
        h = g.layer("pr", new PRelu(), h);
        Graph.Node r = g.layer("c2", new Conv2d(12, 3, 1, 1, 1, false), h);
        r = g.layer("c2_bn", new BatchNorm(), r);
        r = g.layer("lrelu", new ActivationLayer(Activation.LEAKY_RELU, 0.1f), r);
        h = g.add(r, h);
        h = g.layer("mp", new Pool2d(true, 3, 2, 1), h);
        h = g.layer("t", new ActivationLayer(Activation.TANH, 0f), g.layer("c3", new Conv2d(6, 1, 1, 0), h));
        h = g.layer("sp", new ActivationLayer(Activation.SOFTPLUS, 0f), h);
        h = g.layer("sig", new ActivationLayer(Activation.SIGMOID, 0f), h);
        h = g.layer("relu", new ActivationLayer(Activation.RELU, 0f), h);
        h = g.layer("gap", new GlobalAvgPool(), h);
        h = g.layer("drop", new Dropout(0.3f), h);
        return g.build(g.layer("fc", new Linear(5), h), Shape.of(3, 19, 17), b, seed);
    }

    /** Batch norms with statistics far from 0 and 1, so that a dropped or misplaced one shows. */
    static void perturb(Model m, long seed) {
        Random rnd = new Random(seed);
        for (NamedParam p : m.params()) {
            if (p.name().endsWith(".running_mean") || p.name().endsWith(".running_var") || p.name().endsWith(".bias") && p.name().contains("bn")) {
                float[] v = new float[(int) p.param().value().shape().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.name().endsWith("_var") ? 0.5f + rnd.nextFloat() : (float) rnd.nextGaussian() * 0.2f;
                }
                m.backend().write(p.param().value(), v);
            }
        }
    }

    private static float[] input(Shape perSample, int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[(int) (n * perSample.size())];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static float[] forward(Model m, float[] x, int n) {
        Backend b = m.backend();
        int[] d = new int[4];
        d[0] = n;
        System.arraycopy(m.input().dims(), 0, d, 1, 3);
        try (Buf in = b.upload(Shape.of(d), x)) {
            return b.download(m.forward(in, false));
        }
    }

    static float[] onnxRuntime(Path model, float[] x, Shape perSample, int n) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(2);
            try (OrtSession s = env.createSession(model.toString(), o);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{n, perSample.dim(0), perSample.dim(1), perSample.dim(2)});
                 OrtSession.Result r = s.run(Map.of("input", t))) {
                float[][] y = (float[][]) r.get(0).getValue();
                float[] flat = new float[y.length * y[0].length];
                for (int i = 0; i < y.length; i++) {
                    System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
                }
                return flat;
            }
        }
    }

    static void close(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        double err = 0, scale = 1e-3;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertTrue(err <= tol * scale, what + ": max difference " + err + " for outputs up to " + scale);
        System.out.printf("%s: max difference %.3g for outputs up to %.3g%n", what, err, scale);
    }

    /** Export, the specification's checker, ONNX Runtime against the OpenCL device, and import back bit for bit. */
    private void roundTrip(Model m, String name, int opset) throws Exception {
        Path f = dir.resolve(name + ".onnx");
        Onnx.export(m, f, opset, Checkpoint.describe(m, List.of(), null));
        String checked = ResNetInteropTest.python("onnx_check.py", f.toString());
        assertTrue(checked.contains("ok"), checked);
        float[] x = input(m.input(), 3, SEED);
        float[] ort = onnxRuntime(f, x, m.input(), 3);
        close(forward(m, x, 3), ort, 1e-4, name + " opset " + opset + ": ONNX Runtime against clconv");
        try (Model back = Checkpoint.load(f, m.backend())) {
            List<NamedParam> a = m.params(), b = back.params();
            assertEquals(a.stream().map(NamedParam::name).sorted().toList(), b.stream().map(NamedParam::name).sorted().toList(), name);
            Map<String, NamedParam> byName = new java.util.HashMap<>();
            b.forEach(p -> byName.put(p.name(), p));
            for (NamedParam p : a) {
                assertArrayEquals(m.backend().download(p.param().value()), back.backend().download(byName.get(p.name()).param().value()),
                        name + ": " + p.name() + " after export and import");
            }
            close(forward(m, x, 3), forward(back, x, 3), 1e-6, name + ": imported against the original");
        }
    }

    @Test
    void clconvsPresetsExportRunInOnnxRuntimeAndComeBackBitForBit() throws Exception {
        Backend b = TestDevices.cl();
        System.out.println("seed " + SEED);
        try (Model lenet = ModelSpec.parse("lenet-bn").withClasses(10).build(Shape.of(1, 28, 28), b, SEED);
             Model resnet = ModelSpec.parse("resnet20").withClasses(10).build(Shape.of(3, 32, 32), b, SEED)) {
            perturb(lenet, SEED);
            perturb(resnet, SEED + 1);
            roundTrip(lenet, "lenet-bn", 13);
            roundTrip(resnet, "resnet20", 17);
            roundTrip(resnet, "resnet20-11", 11);
        }
    }

    @Test
    void everyLayerKindExportsAndComesBack() throws Exception {
        try (Model m = everyLayer(TestDevices.cl(), SEED)) {
            perturb(m, SEED);
            roundTrip(m, "every-layer", 13);
        }
    }

    /** torch.onnx.export's graphs (batch norms folded, scoped node names, shape arithmetic, a final softmax) give PyTorch's outputs. */
    private void torchExport(String arch, int classes, int size, int opset) throws Exception {
        torchExport(arch, classes, size, opset, !arch.equals("viewnet"));
    }

    private void torchExport(String arch, int classes, int size, int opset, boolean again) throws Exception {
        String out = ResNetInteropTest.python("torchvision_onnx.py", arch, "" + classes, "" + size, "" + opset, dir.toString());
        assertTrue(out.contains("ok"), out);
        Path f = dir.resolve(arch + ".onnx");
        Backend b = TestDevices.cl();
        try (Model m = Checkpoint.load(f, b)) {
            assertEquals(Shape.of(3, size, size), m.input());
            close(floats(dir.resolve("y.f32")), forward(m, floats(dir.resolve("x.f32")), 2), 1e-4, arch + " from torch.onnx.export opset " + opset);
            if (again) {
                roundTrip(m, arch + "-again", 13); // an imported network exports as any other
            }
        }
    }

    @Test
    void torchvisionResnet18FromTorchOnnxExportGivesPytorchsOutputs() throws Exception {
        torchExport("resnet18", 10, 64, 13);
    }

    @Test
    void torchvisionMobilenetV2FromTorchOnnxExportGivesPytorchsOutputs() throws Exception {
        torchExport("mobilenet_v2", 7, 48, 13);
    }

    /** At 224 px VGG's adaptive pooling is exported as a 1x1 average pooling, and its classifier as Gemms after a Flatten. */
    @Test
    void torchvisionVgg11BnFromTorchOnnxExportGivesPytorchsOutputs() throws Exception {
        torchExport("vgg11_bn", 4, 224, 13, false);
    }

    @Test
    void shapeArithmeticAroundAViewIsFoldedAndTheFinalSoftmaxLeftToTheLoss() throws Exception {
        torchExport("viewnet", 5, 20, 11);
        torchExport("viewnet", 5, 20, 17);
    }

    /** An imported 10-class network fine-tunes on 3 classes: the classifier starts afresh, everything else is the file's. */
    @Test
    void anImportedNetworkGetsANewHeadForOtherClasses() throws Exception {
        Path f = dir.resolve("r20.onnx");
        Backend b = new ReferenceBackend();
        try (Model m = ModelSpec.parse("resnet20").withClasses(10).build(Shape.of(3, 16, 16), b, SEED)) {
            Onnx.export(m, f);
            try (Model three = Checkpoint.load(f, null, null, 3, b, SEED)) {
                assertEquals(Shape.of(3), three.output());
                Map<String, float[]> before = new java.util.HashMap<>();
                m.params().forEach(p -> before.put(p.name(), b.download(p.param().value())));
                for (NamedParam p : three.params()) {
                    if (!p.name().startsWith("fc.")) {
                        assertArrayEquals(before.get(p.name()), b.download(p.param().value()), p.name());
                    } else {
                        assertEquals(3, p.param().value().shape().dim(0), p.name());
                    }
                }
            }
        }
    }

    @Test
    void theOpsetIsChecked() {
        try (Model m = ModelSpec.parse("lenet").withClasses(10).build(Shape.of(1, 28, 28), new ReferenceBackend(), SEED)) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> OnnxExport.export(m, 9, Map.of()));
            assertTrue(e.getMessage().contains("11 to 17"), e.getMessage());
        }
    }

    static float[] floats(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}
