package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.Model;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torchvision's ResNets with random weights, saved as people hold pretrained weights
 * (torch.save(state_dict), a .pth zip), load into clconv's presets of the same name with
 * strict names and give torchvision's outputs; pickles that are more than a state_dict are
 * refused without running anything. Needs python3-torchvision (it fails, never skips, without).
 */
class TorchvisionInteropTest {
    @TempDir
    Path dir;

    private static float[] floats(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    private void agrees(String arch, int classes, int size) throws Exception {
        String out = ResNetInteropTest.python("torchvision_pth.py", arch, "" + classes, "" + size, dir.toString());
        assertTrue(out.contains("ok"), out);
        Path pth = dir.resolve(arch + ".pth");
        Backend b = TestDevices.cl();
        try (Model m = Checkpoint.load(pth, arch, Shape.of(3, size, size), classes, b, 1L);
             Buf x = b.upload(Shape.of(2, 3, size, size), floats(dir.resolve("x.f32")))) {
            float[] got = b.download(m.forward(x, false)), want = floats(dir.resolve("y.f32"));
            assertEquals(want.length, got.length);
            double err = 0, scale = 0;
            for (int i = 0; i < want.length; i++) {
                err = Math.max(err, Math.abs(got[i] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            assertTrue(err <= 1e-4 * scale, arch + ": max |clconv - torchvision| " + err + " for outputs up to " + scale);
        }
    }

    @Test
    void resnet18FromATorchvisionPthGivesTorchvisionsOutputs() throws Exception {
        agrees("resnet18", 10, 64);
    }

    @Test
    void resnet50FromATorchvisionPthGivesTorchvisionsOutputs() throws Exception {
        agrees("resnet50", 7, 40);
    }

    /** VGG's head pools the 1x1 plane a 32 px input leaves to 7x7 (adaptive average pooling) before its 25088-wide classifier. */
    @Test
    void vgg11BnFromATorchvisionPthGivesTorchvisionsOutputs() throws Exception {
        agrees("vgg11_bn", 6, 32);
        agrees("vgg11_bn", 6, 80); // a 2x2 plane to 7x7: overlapping windows
    }

    /** Fine-tuning: data of 4 classes on a 10-class file; the classifier starts afresh at 4, every other tensor is the file's. */
    @Test
    void mobilenetV2FromATorchvisionPthGivesTorchvisionsOutputs() throws Exception {
        agrees("mobilenet_v2", 5, 48);
    }

    /**
     * One SGD step in training mode from a torchvision .pth matches torchvision's step, every tensor, running statistics
     * too: resnet18 on the device against PyTorch in float32; resnet50 on the float64 reference against PyTorch in
     * float64, because at batch 2 its training-mode step is so ill-conditioned that PyTorch's own float32 and float64
     * steps differ by 3% in the first layers.
     */
    @Test
    void oneSgdStepFromAPthMatchesTorchvisionsStep() throws Exception {
        for (String[] a : new String[][]{{"resnet18", "10", "40", "float"}, {"resnet50", "6", "40", "double"}}) { // no dropout in either
            String arch = a[0];
            int classes = Integer.parseInt(a[1]), size = Integer.parseInt(a[2]);
            boolean f64 = a[3].equals("double");
            ResNetInteropTest.python("torchvision_pth.py", arch, a[1], a[2], dir.toString());
            assertTrue(ResNetInteropTest.python("torchvision_step.py", arch, a[1], a[2], dir.toString(), a[3]).contains("ok"));
            if (f64) {
                try (Backend b = new io.github.clconv.backend.ReferenceBackend()) {
                    step(arch, classes, size, b);
                }
            } else {
                step(arch, classes, size, TestDevices.cl()); // the shared device backend stays open
            }
        }
    }

    private void step(String arch, int classes, int size, Backend b) throws Exception {
        try (Model m = Checkpoint.load(dir.resolve(arch + ".pth"), arch, Shape.of(3, size, size), classes, b, 1L);
             Optimizer opt = new Optimizer(m, Optimizer.Config.sgd(0.1f)); SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b);
             Buf x = b.upload(Shape.of(2, 3, size, size), floats(dir.resolve("x.f32"))); Buf y = b.uploadLabels(new int[]{0, 1 % classes}, classes)) {
            Buf logits = m.forward(x, true);
            loss.forward(logits, y);
            m.backward(loss.backward());
            opt.step();
            Checkpoint.Contents after = Checkpoint.read(dir.resolve("stepped.safetensors"));
            for (io.github.clconv.nn.NamedParam p : m.params()) {
                ResNetInteropTest.assertClose(after.tensors().get(p.name()), b.download(p.param().value()), 1e-4,
                        arch + " on " + b.name() + ": " + p.name() + " after one SGD step");
            }
        }
    }

    @Test
    void aNewHeadWhenTheDataHasOtherClasses() throws Exception {
        ResNetInteropTest.python("torchvision_pth.py", "resnet18", "10", "32", dir.toString());
        Path pth = dir.resolve("resnet18.pth");
        Checkpoint.Contents file = Checkpoint.read(pth);
        Backend b = TestDevices.cl();
        try (Model m = Checkpoint.load(pth, "resnet18", Shape.of(3, 32, 32), 4, b, 1L)) {
            assertEquals(Shape.of(4), m.output());
            int same = 0;
            for (io.github.clconv.nn.NamedParam p : m.params()) {
                if (p.name().startsWith("fc.")) {
                    assertEquals(4, p.param().value().shape().dim(0), p.name());
                } else {
                    assertTrue(java.util.Arrays.equals(file.tensors().get(p.name()), b.download(p.param().value())), p.name());
                    same++;
                }
            }
            assertEquals(file.tensors().size() - 2, same, "every tensor but fc.weight and fc.bias is the file's");
        }
    }

    @Test
    void aPickleThatIsMoreThanAStateDictIsRefusedAndNothingRuns() throws Exception {
        ResNetInteropTest.python("torchvision_pth.py", "resnet18", "10", "32", dir.toString());
        IOException whole = assertThrows(IOException.class, () -> Checkpoint.read(dir.resolve("whole.pth")));
        assertTrue(whole.getMessage().contains("torchvision.models.resnet.ResNet") && whole.getMessage().contains("state_dict()"), whole.getMessage());
        IOException evil = assertThrows(IOException.class, () -> Checkpoint.read(dir.resolve("evil.pth")));
        assertTrue(evil.getMessage().contains("os.system"), evil.getMessage());
        assertFalse(Files.exists(Path.of("PWNED")) || Files.exists(dir.resolve("PWNED")));
        // names that do not fit are listed as PyTorch's strict load lists them
        IOException misfit = assertThrows(IOException.class, () -> Checkpoint.load(dir.resolve("resnet18.pth"), "resnet34", Shape.of(3, 32, 32), 10,
                TestDevices.cl(), 1L));
        assertTrue(misfit.getMessage().contains("missing") && misfit.getMessage().contains("layer1.2.conv1.weight"), misfit.getMessage());
    }

    /** Hostile variants of a real .pth: every mutation of its pickle and a cut storage end in an IOException, nothing else. */
    @Test
    void mutatedAndCutFilesAreRefusedCleanly() throws Exception {
        ResNetInteropTest.python("torchvision_pth.py", "resnet18", "10", "32", dir.toString());
        Path pth = dir.resolve("resnet18.pth");
        java.util.Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(pth.toFile())) {
            for (java.util.Enumeration<? extends java.util.zip.ZipEntry> e = z.entries(); e.hasMoreElements(); ) {
                java.util.zip.ZipEntry ze = e.nextElement();
                entries.put(ze.getName(), z.getInputStream(ze).readAllBytes());
            }
        }
        String pkl = entries.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
        byte[] good = entries.get(pkl);
        long seed = 20261206L;
        java.util.Random rnd = new java.util.Random(seed);
        System.out.println("TorchvisionInteropTest mutations seed " + seed);
        int refused = 0;
        for (int t = 0; t < 3000; t++) {
            byte[] bad = t % 10 == 0 ? java.util.Arrays.copyOf(good, rnd.nextInt(good.length)) : good.clone();
            if (t % 10 != 0) {
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
                }
            }
            try {
                Unpickler.load(bad, "mutation " + t);
            } catch (IOException e) {
                refused++;
            } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
                throw new AssertionError("mutation " + t + " escaped as " + e, e);
            }
        }
        assertTrue(refused > 1000, refused + " of 3000 mutations refused");
        // a storage cut short, and a pickle that claims more values than its storage holds
        String storage = entries.keySet().stream().filter(n -> n.contains("/data/")).findFirst().orElseThrow();
        java.util.Map<String, byte[]> cut = new java.util.LinkedHashMap<>(entries);
        cut.put(storage, java.util.Arrays.copyOf(entries.get(storage), entries.get(storage).length / 2));
        Path cutFile = dir.resolve("cut.pth");
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(cutFile))) {
            for (java.util.Map.Entry<String, byte[]> e : cut.entrySet()) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(cutFile));
        assertTrue(e.getMessage().contains("storage") && e.getMessage().contains("bytes"), e.getMessage());
    }
}
