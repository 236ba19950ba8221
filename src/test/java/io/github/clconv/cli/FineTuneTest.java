package io.github.clconv.cli;

import io.github.clconv.train.Checkpoint;
import io.github.clconv.train.ResNetInteropTestAccess;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job users have: a torchvision network's 1000-class weight file, fine-tuned on a folder of
 * photos of every size and both formats (random-resized crops, ImageNet's normalisation), shipped
 * back to PyTorch. Needs python3-torchvision.
 */
class FineTuneTest {
    @TempDir
    Path dir;

    @Test
    void aTorchvisionPthFineTunesOnPhotosOfAnySizeAndLoadsBackIntoTorchvision() throws Exception {
        ResNetInteropTestAccess.python("torchvision_pth.py", "resnet18", "1000", "32", dir.toString());
        Random rnd = new Random(20261206L);
        String[] classes = {"cat", "dog", "fox"};
        for (String split : new String[]{"train", "test"}) {
            for (int c = 0; c < classes.length; c++) {
                Path d = Files.createDirectories(dir.resolve("photos").resolve(split).resolve(classes[c]));
                for (int i = 0; i < (split.equals("train") ? 8 : 3); i++) {
                    int w = 40 + rnd.nextInt(160), h = 40 + rnd.nextInt(160);
                    BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int v = 70 * c + rnd.nextInt(90); // each class its own brightness, noise on top
                            im.setRGB(x, y, (v << 16) | ((255 - v) << 8) | rnd.nextInt(256));
                        }
                    }
                    ImageIO.write(im, i % 2 == 0 ? "png" : "jpg", d.resolve(i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
                }
            }
        }
        Path out = dir.resolve("ft.safetensors");
        CommandsTest.Run r = CommandsTest.run("train", "--data", dir.resolve("photos").toString(), "--load", dir.resolve("resnet18.pth").toString(),
                "--model", "resnet18", "--image-size", "48", "--epochs", "6", "--batch", "6", "--optimizer", "adam", "--lr", "0.001", "--save", out.toString(),
                "--progress", "none", "--seed", "5", "--log-every", "1", "--metrics", dir.resolve("m.jsonl").toString(),
                "--augment", "resized-crop:0.25,hflip", "--normalize", "imagenet");
        assertEquals(0, r.status(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"type\":\\s*\"step\".*?\"loss\":\\s*([0-9.eE+-]+)")
                .matcher(Files.readString(dir.resolve("m.jsonl")));
        assertTrue(m.find(), "a step logged");
        double first = Double.parseDouble(m.group(1)), last = r.summary().get("train_loss").getAsDouble();
        System.out.println("FineTuneTest: first step's loss " + first + ", last epoch's " + last + "; " + r.summary());
        assertTrue(last < 0.7 * first, "the loss falls: first step " + first + ", last epoch " + last);
        Checkpoint.Contents c = Checkpoint.read(out);
        assertEquals(Shape.of(3, 512), c.shapes().get("fc.weight"), "a new head for the data's three classes");
        assertEquals(java.util.List.of("cat", "dog", "fox"), c.classNames());
        double[][] norm = c.normalization(out);
        assertArrayEquals(new double[]{0.485, 0.456, 0.406}, norm[0], 1e-12, "ImageNet's mean kept for eval and predict");
        assertArrayEquals(new double[]{0.229, 0.224, 0.225}, norm[1], 1e-12);
        CommandsTest.Run e = CommandsTest.run("eval", "--data", dir.resolve("photos").toString(), "--load", out.toString(), "--image-size", "48");
        assertEquals(0, e.status(), e.err());
        // eval normalises the centre crops as training did: its loss is the last epoch's test loss
        assertEquals(r.summary().get("test_loss").getAsDouble(), e.summary().get("test_loss").getAsDouble(), 1e-4, e.out());
        String back = ResNetInteropTestAccess.python("torchvision_load.py", "resnet18", "3", "48", out.toString());
        assertTrue(back.contains("ok (1, 3)"), back);

        // the same with the backbone frozen: every tensor but the new head is the file's, bit for bit (BN statistics too)
        Path frozen = dir.resolve("frozen.safetensors");
        CommandsTest.Run f = CommandsTest.run("train", "--data", dir.resolve("photos").toString(), "--load", dir.resolve("resnet18.pth").toString(),
                "--model", "resnet18", "--image-size", "48", "--epochs", "6", "--batch", "6", "--optimizer", "adam", "--lr", "0.001", "--save",
                frozen.toString(), "--progress", "none", "--seed", "5", "--freeze", "backbone");
        assertEquals(0, f.status(), f.err());
        assertTrue(f.err().contains("frozen: 11,176,512 of 11,178,051 parameters (backbone)"), f.err());
        Checkpoint.Contents pth = Checkpoint.read(dir.resolve("resnet18.pth")), saved = Checkpoint.read(frozen);
        int same = 0;
        for (String name : saved.tensors().keySet()) {
            if (!name.startsWith("fc.")) {
                assertTrue(java.util.Arrays.equals(pth.tensors().get(name), saved.tensors().get(name)), name + " changed although frozen");
                same++;
            }
        }
        assertEquals(pth.tensors().size() - 2, same);
        System.out.println("FineTuneTest: images/s trained whole " + r.summary().get("images_per_sec") + ", backbone frozen "
                + f.summary().get("images_per_sec"));
        // (whether a head alone learns depends on the backbone's features, random here: FreezeTest checks that the loss falls)
        assertTrue(f.summary().get("images_per_sec").getAsDouble() > r.summary().get("images_per_sec").getAsDouble(),
                "no backbone gradients: faster than training it all");
    }
}
