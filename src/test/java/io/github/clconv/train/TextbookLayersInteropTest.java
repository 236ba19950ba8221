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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.github.clconv.train.ResNetInteropTest.assertClose;
import static io.github.clconv.train.ResNetInteropTest.python;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * GroupNorm, InstanceNorm, PReLU, LayerNorm, ReLU6, Mish, SiLU and Softplus against PyTorch's modules
 * (src/test/python/layers_step.py, Debian's python3-torch): clconv's checkpoint, with every
 * normalisation scale, shift and slope randomised, loads into the module with strict=True
 * (PyTorch's state_dict names), the outputs agree, and one SGD step on the cross-entropy gives
 * the same parameters. Without python3-torch the test fails with the package to install.
 */
class TextbookLayersInteropTest {
    static final String SPEC = "conv(4,3,p=1)-gn(2)-mish-conv(6,3,p=1)-in-prelu-ln-relu6-silu-softplus-flatten-linear(3)";
    static final long SEED = 20261205L;

    @Test
    void outputsAndAnSgdStepEqualPyTorchs(@TempDir Path dir) throws Exception {
        Backend b = TestDevices.cl();
        Random rnd = new Random(SEED);
        Shape in = Shape.of(1, 6, 5);
        int n = 4;
        try (Model m = ModelSpec.parse(SPEC).build(in, b, SEED); Optimizer opt = new Optimizer(m, Optimizer.Config.sgd(0.1f));
             SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b)) {
            // scales near 1, shifts, slopes and biases near 0, so that every tensor matters; the bias of the conv before
            // the instance norm gets no gradient at all (the norm removes it), and compared at its own scale it would be noise
            for (NamedParam p : m.params()) {
                boolean norm = p.name().startsWith("1.") || p.name().startsWith("4.") || p.name().startsWith("6.") || p.name().startsWith("5.")
                        || p.name().endsWith(".bias");
                if (norm) {
                    float[] v = new float[p.param().value().shape().size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (p.name().endsWith("weight") && !p.name().startsWith("5.") ? 0.5 + rnd.nextDouble() : 0.3 * rnd.nextGaussian());
                    }
                    b.write(p.param().value(), v);
                }
            }
            Path weights = dir.resolve("w.safetensors");
            Checkpoint.save(m, weights);
            float[] x = ResNetInteropTest.randomInput(n, in, rnd);
            int[] labels = {0, 2, 1, 2};
            Path xs = dir.resolve("x.f32"), ls = dir.resolve("t.i32"), ys = dir.resolve("y.f32"), stepped = dir.resolve("stepped.safetensors");
            ByteBuffer bx = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            bx.asFloatBuffer().put(x);
            Files.write(xs, bx.array());
            ByteBuffer bl = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            bl.asIntBuffer().put(labels);
            Files.write(ls, bl.array());
            python("layers_step.py", weights.toAbsolutePath().toString(), xs.toAbsolutePath().toString(), "" + n, ls.toAbsolutePath().toString(),
                    ys.toAbsolutePath().toString(), stepped.toAbsolutePath().toString());
            float[] torchY = new float[n * 3];
            ByteBuffer.wrap(Files.readAllBytes(ys)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(torchY);
            try (Buf xb = b.upload(Shape.of(n, 1, 6, 5), x); Buf yb = b.uploadLabels(labels, 3)) {
                Buf logits = m.forward(xb, true);
                assertClose(torchY, b.download(logits), 1e-4, "outputs");
                loss.forward(logits, yb);
                m.backward(loss.backward());
                opt.step();
            }
            Checkpoint.Contents after = Checkpoint.read(stepped);
            assertEquals(m.params().size(), after.tensors().size(), after.tensors().keySet().toString());
            for (NamedParam p : m.params()) {
                assertClose(after.tensors().get(p.name()), b.download(p.param().value()), 1e-4, p.name() + " after one SGD step");
            }
        }
    }
}
