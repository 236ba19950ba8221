package io.github.clconv.tuning;

import io.github.clconv.TemporaryCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one cache format of every tuner: what it writes it reads back, and a file that is not its own is not used. */
@ExtendWith(TemporaryCache.class)
class TuningCacheTest {
    private static final TuningCache CACHE = TuningCache.of("movement", "Dev|3.1|OpenCL 3.0", "a device", "0000abcd");

    private static Properties entries() {
        Properties p = new Properties();
        p.setProperty("im2col", "row");
        p.setProperty("row_ms", "0.5");
        return p;
    }

    @Test
    void writesItsEntriesAndReadsThemBackWithoutTheHeader() throws IOException {
        CACHE.write(entries());
        assertEquals(Optional.of(entries()), CACHE.read());
        assertTrue(Files.readString(CACHE.file()).contains("clconv.kernels=0000abcd"));
        assertTrue(CACHE.delete());
        assertEquals(Optional.empty(), CACHE.read());
    }

    @Test
    void aFileFromAnotherDeviceDriverOrFormatIsIgnored() throws IOException {
        for (String[] edit : new String[][]{{"clconv.device=Dev|3.1", "clconv.device=Other|3.1"}, {"clconv.format=1", "clconv.format=0"},
                {"clconv.kernels=0000abcd", "clconv.kernels=ffff0000"}, {"clconv.device=", "clconv.nodevice="}}) {
            CACHE.write(entries());
            String text = Files.readString(CACHE.file()).replace("\\|", "|").replace("\\:", ":");
            assertTrue(text.contains(edit[0]), text);
            Files.writeString(CACHE.file(), text.replace(edit[0], edit[1]));
            assertEquals(Optional.empty(), CACHE.read(), edit[1]);
        }
    }

    @Test
    void junkOversizeAndFoldersAreIgnored() throws IOException {
        CACHE.write(entries());
        Files.writeString(CACHE.file(), "\\uZZZZ=1\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(Optional.empty(), CACHE.read());
        Files.write(CACHE.file(), new byte[(int) TuningCache.MAX_BYTES + 1]);
        assertEquals(Optional.empty(), CACHE.read());
        Files.delete(CACHE.file());
        Files.createDirectories(CACHE.file());
        assertEquals(Optional.empty(), CACHE.read());
    }

    @Test
    void kernelsAndDevicesGetFilesOfTheirOwn() {
        TuningCache other = TuningCache.of("movement", "Dev|3.1|OpenCL 3.0", "a device", "0000abce");
        assertNotEquals(CACHE.file(), other.file());
        assertFalse(CACHE.file().getFileName().toString().contains("|"));
        assertNotEquals(TuningCache.hash(f -> f, "a.cl"), TuningCache.hash(f -> f, "b.cl"));
    }

    @Test
    void timerTakesTheMedianOfTurnsAndSkipsNullBodies() {
        Timer.Turns turns = Timer.inTurns(() -> { }, new Runnable[]{() -> { }, null}, 1, 5, 5, 0);
        double[] t = turns.median();
        assertTrue(t[0] >= 0 && t[0] < 1, "seconds " + t[0]);
        assertEquals(Double.POSITIVE_INFINITY, t[1]);
        assertEquals(5, turns.seconds()[0].length);
        assertEquals(2.0, new Timer.Turns(new double[][]{{9, 2, 3}}).best()[0]);
        assertEquals(3.0, new Timer.Turns(new double[][]{{9, 2, 3}}).median()[0]);
        assertEquals(2.0, Timer.median(new double[]{9, 1, 2}));
    }

    @Test
    void checkComparesRelativelyAndNeverAgreesWithNaN() {
        assertTrue(Check.agrees(new float[]{1f, 2f}, new float[]{1f, 2.0001f}, 1e-4));
        assertFalse(Check.agrees(new float[]{1f, 2f}, new float[]{1f, 2.01f}, 1e-4));
        assertFalse(Check.agrees(new float[]{Float.NaN}, new float[]{1f}, 1));
        assertFalse(Check.agrees(new float[]{1f}, new float[]{1f, 1f}, 1));
    }
}
