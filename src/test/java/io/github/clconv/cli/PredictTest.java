package io.github.clconv.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** predict: a warning for an image that looks inverted against the training images, and short output for a batch. */
class PredictTest {
    @TempDir
    Path dir;

    @Test
    void invertedImagesAreFlaggedAndBatchesStayShort() throws Exception {
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 640, 100, 28, false, 3L);
        Path ckpt = dir.resolve("m.safetensors");
        CommandsTest.Run t = run("train", "--data", data.toString(), "--model", "conv(4,3)-relu-maxpool(2)-flatten-linear(10)", "--save", ckpt.toString());
        assertEquals(0, t.status(), t.err());
        Dataset test = Dataset.load(data)[1];
        Path plain = dir.resolve("plain.png"), inverted = dir.resolve("inverted.png");
        for (Path f : new Path[]{plain, inverted}) {
            BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    float v = test.images()[y * 28 + x];
                    im.getRaster().setSample(x, y, 0, Math.round(255 * (f == inverted ? 1 - v : v)));
                }
            }
            ImageIO.write(im, "png", f.toFile());
        }
        CommandsTest.Run p = run("predict", "--load", ckpt.toString(), plain.toString(), inverted.toString());
        assertEquals(0, p.status(), p.err());
        JsonArray preds = p.summary().getAsJsonArray("predictions");
        assertFalse(preds.get(0).getAsJsonObject().has("looks_inverted"), preds.toString());
        assertTrue(preds.get(1).getAsJsonObject().get("looks_inverted").getAsBoolean(), preds.toString());
        assertTrue(p.err().lines().filter(l -> l.contains("looks inverted")).count() == 1 && p.err().contains("inverted.png"), p.err());

        CommandsTest.Run batch = run("predict", "--load", ckpt.toString(), data.resolve("t10k-images-idx3-ubyte").toString());
        assertEquals(0, batch.status(), batch.err());
        assertEquals(100, batch.summary().getAsJsonArray("predictions").size(), "every image in the JSON");
        assertTrue(batch.err().lines().count() <= PredictCommand.SHOWN + 3 && batch.err().contains("and 80 more"), batch.err());
        JsonObject first = batch.summary().getAsJsonArray("predictions").get(0).getAsJsonObject();
        assertTrue(first.has("class") && first.has("probability"), first.toString());
    }
}
