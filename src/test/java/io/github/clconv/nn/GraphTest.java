package io.github.clconv.nn;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Graph models: the block syntax, shape inference, gradients against central differences
 * on the reference, the device against the reference, and batch-norm folding in a graph.
 */
class GraphTest {
    static final long SEED = 20261203L;
    /** Every graph feature at once: residual blocks with and without a shortcut, a concat with an identity branch, groups, gap. */
    static final String SPEC = "conv(6,3,p=same,bias=0)-bn-relu-res[conv(6,3,p=1,g=2)-relu-conv(6,1,bias=0)]"
            + "-res[conv(8,3,s=2,p=1,bias=0)-bn-relu|conv(8,1,s=2)]-cat[|conv(4,3,p=1,g=4)-tanh]-gap-linear(5)";

    static Buf random(Backend b, Shape s, Random rnd) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return b.upload(s, v);
    }

    @Test
    void blockSyntaxNamesAndShapes() {
        ModelSpec s = ModelSpec.parse(SPEC);
        assertTrue(s.isGraph());
        Map<String, Shape> p = s.paramShapes(Shape.of(3, 9, 7));
        assertEquals(Shape.of(6, 3, 3, 3), p.get("0.weight"));
        assertFalse(p.containsKey("0.bias"), "bias=0 gives a convolution without bias");
        assertEquals(Shape.of(6, 3, 3, 3), p.get("3.body.0.weight"), "g=2: 6 inputs in 2 groups of 3");
        assertEquals(Shape.of(8, 6, 1, 1), p.get("4.shortcut.0.weight"));
        assertEquals(Shape.of(4, 2, 3, 3), p.get("5.1.0.weight"), "cat: 8 channels in 4 groups");
        assertEquals(Shape.of(5, 12), p.get("7.weight"), "cat gives 8 + 4 channels, gap makes them flat");
        assertEquals(Init.HE, s.init());
    }

    @Test
    void badGraphsAreClearErrors() {
        Shape in = Shape.of(3, 8, 8);
        String[][] cases = {
                {"conv(4,3)-res[conv(5,3,p=1)]", "add needs two inputs of one shape", "[4,6,6]", "[5,6,6]"},
                {"res[relu|relu|relu]", "res takes a body and at most one shortcut"},
                {"res[]", "res takes a body"},
                {"blob[relu]", "unknown block 'blob'"},
                {"res[relu", "missing ']'"},
                {"conv(4,3,p=same)-cat[conv(2,2)|relu]", "concat needs inputs that differ only in channels"},
                {"conv(4,2,p=same)", "p=same needs an odd kernel"},
                {"conv(6,3,g=4)", "g=4 must divide the 6 output channels"},
                {"conv(4,3,g=2)", "groups 2 must divide the 3 input channels"},
                {"conv(4,3,bias=2)", "bias must be 0 or 1"},
                {"resnet20(0)", "class count"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(c[0]).paramShapes(in), c[0]);
            for (int i = 1; i < c.length; i++) {
                assertTrue(e.getMessage().contains(c[i]), c[0] + ": '" + e.getMessage() + "' should mention '" + c[i] + "'");
            }
        }
    }

    /**
     * Every gradient path through a model's shared gradient buffers: a ReLU fused into a residual
     * add, a relu before a max pool (run after it), a flatten's view of a pooled gradient, a node
     * read by three others, and a plain Sequential.
     */
    static final String[] GRADIENT_SPECS = {SPEC,
            "conv(6,3,p=1)-relu-res[conv(6,3,p=1,bias=0)-bn-relu-conv(6,3,p=1)]-relu-cat[|conv(2,1)-relu|tanh]-flatten-linear(5)",
            "conv(4,3,p=1)-relu-maxpool(2)-flatten-linear(7)-relu-linear(5)"};

    /** L = sum(forward(x) * r); every trainable value's dL/dv against (L(v+h) - L(v-h)) / 2h, in double precision. */
    @Test
    void gradientsMatchCentralDifferences() {
        ReferenceBackend ref = new ReferenceBackend();
        Random rnd = new Random(SEED);
        System.out.println("GraphTest seed " + SEED);
        for (String spec : GRADIENT_SPECS) {
            try (Model m = ModelSpec.parse(spec).build(Shape.of(3, 7, 6), ref, SEED)) {
                Buf x = random(ref, Shape.of(3, 3, 7, 6), rnd), r = random(ref, Shape.of(3, 5), rnd);
                double[] weights = ref.raw(r);
                m.forward(x, true);
                m.backward(r);
                m.forward(x, true);
                m.backward(r); // the second pass runs on buffers the first gave back
                GradientPool pool = m instanceof Graph g ? g.gradients() : ((Sequential) m).gradients();
                assertEquals(0, pool.held(), spec + ": a gradient buffer still held after backward");
                int checked = 0;
                for (NamedParam np : m.params()) {
                    if (!np.param().trainable()) {
                        continue;
                    }
                    double[] v = ref.raw(np.param().value()), g = ref.raw(np.param().grad()).clone();
                    for (int i = 0; i < v.length; i += 1 + v.length / 7) {
                        double keep = v[i], h = 1e-5;
                        v[i] = keep + h;
                        double lp = dot(ref.raw(m.forward(x, true)), weights);
                        v[i] = keep - h;
                        double lm = dot(ref.raw(m.forward(x, true)), weights);
                        v[i] = keep;
                        double numeric = (lp - lm) / (2 * h);
                        if (Math.abs(numeric - g[i]) > 1e-5 * Math.max(1, Math.abs(numeric))) {
                            fail(spec + ": " + np.name() + "[" + i + "] (seed " + SEED + "): analytic " + g[i] + ", numeric " + numeric);
                        }
                        checked++;
                    }
                }
                assertTrue(checked > 30, spec + ": checked " + checked + " values");
            }
        }
    }

    /**
     * resnet20's 60-odd layers share a handful of gradient buffers, every one of them free again
     * after each backward pass (a per-layer buffer each, as before, would make one per layer).
     */
    @Test
    void layersShareGradientBuffers() {
        ReferenceBackend ref = new ReferenceBackend();
        Random rnd = new Random(SEED + 2);
        try (Model m = ModelSpec.parse("resnet20").build(Shape.of(3, 12, 12), ref, SEED)) {
            Graph g = (Graph) m;
            Buf x = random(ref, Shape.of(2, 3, 12, 12), rnd), r = random(ref, Shape.of(2, 10), rnd);
            m.forward(x, true);
            int beforeBackward = ref.liveBuffers();
            for (int pass = 0; pass < 3; pass++) {
                m.backward(r);
                assertEquals(0, g.gradients().held(), "pass " + pass + ": a gradient buffer still held after backward");
                m.forward(x, true);
            }
            int made = g.gradients().made();
            assertEquals(made, ref.liveBuffers() - beforeBackward, "every buffer backward made is the pool's");
            assertTrue(made <= 16, "resnet20 made " + made + " gradient buffers for " + g.layers().size() + " layers");
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The same graph, same seed, on both backends: outputs and every gradient agree, over input sizes that fit no tile. */
    @Test
    void deviceAgreesWithTheReference() {
        Backend dev = TestDevices.cl();
        ReferenceBackend ref = new ReferenceBackend();
        int live = dev.liveBuffers();
        Random rnd = new Random(SEED + 1);
        for (int trial = 0; trial < 3; trial++) {
            int n = 1 + rnd.nextInt(5), h = 5 + rnd.nextInt(9), w = 5 + rnd.nextInt(9);
            Shape in = Shape.of(3, h, w);
            try (Model md = ModelSpec.parse(SPEC).build(in, dev, SEED); Model mr = ModelSpec.parse(SPEC).build(in, ref, SEED)) {
                float[] xs = new float[n * in.size()], rs = new float[n * 5];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = (float) rnd.nextGaussian();
                }
                for (int i = 0; i < rs.length; i++) {
                    rs[i] = (float) rnd.nextGaussian();
                }
                Shape xb = Shape.of(n, 3, h, w);
                Buf xd = dev.upload(xb, xs), xr = ref.upload(xb, xs), rd = dev.upload(Shape.of(n, 5), rs), rr = ref.upload(Shape.of(n, 5), rs);
                String what = "trial " + trial + " input " + xb + " (seed " + SEED + ")";
                close(dev.download(md.forward(xd, true)), ref.download(mr.forward(xr, true)), 2e-4, what + " output");
                md.backward(rd);
                mr.backward(rr);
                List<NamedParam> pd = md.params(), pr = mr.params();
                for (int i = 0; i < pd.size(); i++) {
                    if (pd.get(i).param().trainable()) {
                        close(dev.download(pd.get(i).param().grad()), ref.download(pr.get(i).param().grad()), 5e-4, what + " d" + pd.get(i).name());
                    }
                    close(dev.download(pd.get(i).param().value()), ref.download(pr.get(i).param().value()), 1e-5, what + " " + pd.get(i).name());
                }
                close(dev.download(md.forward(xd, false)), ref.download(mr.forward(xr, false)), 2e-4, what + " inference output");
                for (Buf b : new Buf[]{xd, xr, rd, rr}) {
                    b.close();
                }
            }
        }
        assertEquals(live, dev.liveBuffers(), "every buffer of the graphs released");
    }

    /** max |a - b| / (max |b| + 1e-6) within tol. */
    static void close(float[] a, float[] b, double tol, String what) {
        double diff = 0, scale = 1e-6;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        assertTrue(diff / scale <= tol, what + ": relative difference " + diff / scale + " > " + tol);
    }

    /** Folding a graph's conv+bn pairs (with trained running statistics) keeps its inference output. */
    @Test
    void foldingAGraphKeepsItsOutput() {
        Backend dev = TestDevices.cl();
        Random rnd = new Random(SEED + 2);
        try (Model m = ModelSpec.parse("resnet20(7)").build(Shape.of(3, 12, 10), dev, SEED)) {
            Buf x = random(dev, Shape.of(4, 3, 12, 10), rnd);
            for (int i = 0; i < 3; i++) {
                m.forward(x, true); // running statistics move away from 0 and 1
            }
            assertTrue(BatchNormFolding.applies(m));
            float[] plain = dev.download(m.forward(x, false));
            try (Model folded = BatchNormFolding.fold(m)) {
                long bns = folded.layers().stream().filter(l -> l instanceof BatchNorm).count();
                assertEquals(0, bns, "every batch norm of resnet20 follows a convolution that only it reads");
                close(dev.download(folded.forward(x, false)), plain, 1e-4, "folded resnet20");
            }
            x.close();
        }
    }

    @Test
    void resnet20HasTheModulesNames() {
        Map<String, Shape> p = ModelSpec.parse("resnet20").paramShapes(Shape.of(3, 32, 32));
        assertEquals(Shape.of(16, 3, 3, 3), p.get("conv1.weight"));
        assertEquals(Shape.of(32, 16, 1, 1), p.get("layer2.0.shortcut.0.weight"));
        assertEquals(Shape.of(64), p.get("layer3.2.bn2.running_var"));
        assertEquals(Shape.of(10, 64), p.get("fc.weight"));
        assertFalse(p.containsKey("layer1.0.shortcut.0.weight"), "identity shortcuts where the shape stays");
        assertEquals(Shape.of(100, 64), ModelSpec.parse("resnet20").withClasses(100).paramShapes(Shape.of(1, 28, 28)).get("fc.weight"));
        // 19 convolutions + 2 shortcut convolutions, 21 batch norms (4 tensors each), fc weight and bias
        assertEquals(21 + 21 * 4 + 2, p.size());
    }
}
