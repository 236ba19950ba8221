package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Param;
import io.github.clconv.nn.Sequential;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device keeps trainable tensors in one flat buffer so that each optimiser step is one launch. */
class PackedParametersTest {
    static final long SEED = 11L;
    static final String SPEC = "conv(3,3)-bn-relu-flatten-linear(5)";

    /**
     * Adam with weight decay, five steps from the same gradients, on the packed device model
     * and on the reference's separate tensors. Every parameter must agree within 1e-5
     * relative (float32 against float64 through five updates of size about lr); the gaps
     * between packed tensors must stay exactly zero, or one tensor's update leaked into them.
     */
    @Test
    void oneFlatUpdateMatchesTensorByTensorUpdates() {
        Backend cl = TestDevices.cl();
        int live = cl.liveBuffers();
        Shape input = Shape.of(2, 6, 6);
        try (Sequential dev = Sequential.of(ModelSpec.parse(SPEC), input, cl, SEED);
             Sequential ref = Sequential.of(ModelSpec.parse(SPEC), input, new ReferenceBackend(), SEED);
             Optimizer devOpt = new Optimizer(dev, Optimizer.Kind.ADAM, 0.01f, 0f, false, 1e-2f);
             Optimizer refOpt = new Optimizer(ref, Optimizer.Kind.ADAM, 0.01f, 0f, false, 1e-2f)) {
            assertTrue(dev.flatTrainable().isPresent(), "the OpenCL backend packs the parameters");
            assertTrue(ref.flatTrainable().isEmpty(), "the reference keeps them apart");
            Random rnd = new Random(SEED);
            System.out.println("packed parameters: seed " + SEED);
            for (int step = 0; step < 5; step++) {
                for (int i = 0; i < trainable(dev).size(); i++) {
                    float[] g = new float[trainable(dev).get(i).grad().shape().size()];
                    for (int j = 0; j < g.length; j++) {
                        g[j] = (float) rnd.nextGaussian();
                    }
                    cl.write(trainable(dev).get(i).grad(), g);
                    ref.backend().write(trainable(ref).get(i).grad(), g);
                }
                devOpt.step();
                refOpt.step();
            }
            long packedSum = 0;
            for (int i = 0; i < trainable(dev).size(); i++) {
                float[] d = cl.download(trainable(dev).get(i).value());
                float[] r = ref.backend().download(trainable(ref).get(i).value());
                packedSum += d.length;
                for (int j = 0; j < d.length; j++) {
                    assertEquals(r[j], d[j], 1e-5 * Math.max(1, Math.abs(r[j])), "tensor " + i + " element " + j);
                }
            }
            float[] flat = cl.download(dev.flatTrainable().get().value());
            double flatAbs = 0, partsAbs = 0;
            for (float f : flat) {
                flatAbs += Math.abs(f);
            }
            for (Param p : trainable(dev)) {
                for (float f : cl.download(p.value())) {
                    partsAbs += Math.abs(f);
                }
            }
            assertTrue(flat.length >= packedSum, "the flat buffer holds every tensor");
            assertEquals(partsAbs, flatAbs, 1e-9 * partsAbs, "outside the tensors the flat buffer is zero");
        }
        assertEquals(live, cl.liveBuffers(), "the flat buffers and their views are released");
    }

    private static List<Param> trainable(Sequential m) {
        return m.params().stream().map(io.github.clconv.nn.NamedParam::param).filter(Param::trainable).toList();
    }

    @Test
    void packedViewsAreTheParametersTheModelUses() {
        Backend cl = TestDevices.cl();
        try (Sequential dev = Sequential.of(ModelSpec.parse("linear(3)"), Shape.of(4), cl, SEED)) {
            Param w = dev.params().get(0).param();
            float[] ones = new float[12];
            java.util.Arrays.fill(ones, 1f);
            cl.write(w.value(), ones);
            cl.write(dev.params().get(1).param().value(), new float[]{0f, 1f, 2f});
            try (Buf x = cl.upload(Shape.of(1, 4), new float[]{1, 2, 3, 4})) {
                float[] y = cl.download(dev.forward(x, false));
                assertEquals(10f, y[0]);
                assertEquals(11f, y[1]);
                assertEquals(12f, y[2]);
            }
        }
    }
}
