package io.github.clconv.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.train.SearchSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** clconv search: ranges and grids, k folds that validate each image once, repeatable trials, a log that resumes. */
class SearchTest {
    @TempDir
    Path dir;

    @Test
    void rangesListsAndFolds() {
        SearchSpace s = new SearchSpace().add("--lr", "1e-4:1e-1:log").add("--weight-decay", "0:1e-3").add("--momentum", "0.9");
        List<Map<String, Double>> r = s.random(200, 7);
        assertEquals(r, s.random(200, 7), "seeded");
        for (Map<String, Double> t : r) {
            assertTrue(t.get("--lr") >= 1e-4 && t.get("--lr") <= 1e-1 && t.get("--weight-decay") >= 0 && t.get("--weight-decay") <= 1e-3, t.toString());
            assertEquals(0.9, s.value(t, "--momentum"));
        }
        assertTrue(r.stream().filter(t -> t.get("--lr") < 1e-2).count() > 100, "log-uniform: two of three decades below 1e-2");
        SearchSpace g = new SearchSpace().add("--lr", "0.1,0.01").add("--l1", "0,1e-4,1e-3");
        assertEquals(6, g.grid().size());
        assertEquals(List.of("--lr", "--l1"), g.names());
        assertThrows(IllegalArgumentException.class, () -> s.grid(), "a range has no grid");
        assertThrows(IllegalArgumentException.class, () -> new SearchSpace().add("--lr", "0:1:log"), "log needs LO > 0");
        assertThrows(IllegalArgumentException.class, () -> new SearchSpace().add("--lr", "banana"));
        for (int n : new int[]{10, 31, 100}) {
            int[] seen = new int[n];
            for (int f = 0; f < 3; f++) {
                int[][] v = SearchSpace.fold(n, 3, f, 5);
                assertEquals(n, v[0].length + v[1].length);
                int[] all = new int[n];
                Arrays.stream(v[0]).forEach(i -> seen[i]++);
                Arrays.stream(v[0]).forEach(i -> all[i]++);
                Arrays.stream(v[1]).forEach(i -> all[i]++);
                assertTrue(Arrays.stream(all).allMatch(c -> c == 1), "a fold's training and validation images are disjoint and cover the set");
            }
            assertTrue(Arrays.stream(seen).allMatch(c -> c == 1), "every image validated exactly once");
        }
    }

    private static double[] accuracies(JsonObject summary) {
        JsonArray a = summary.getAsJsonArray("results");
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsJsonObject().get("val_accuracy").getAsDouble();
        }
        return out;
    }

    @Test
    void aSearchRepeatsResumesAndTrainsTheBest() throws IOException {
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 300, 60, 12, false, 2L);
        String[] base = {"search", "--data", data.toString(), "--model", "conv(4,3)-relu-maxpool(2)-flatten-linear(10)", "--batch", "16",
                "--trials", "3", "--folds", "2", "--epochs", "1", "--lr", "1e-3:1e-1:log", "--seed", "9"};
        CommandsTest.Run a = run(cat(base, "--log", dir.resolve("a.jsonl").toString()));
        assertEquals(0, a.status(), a.err());
        double[] first = accuracies(a.summary());
        assertEquals(3, first.length);
        assertTrue(a.err().contains("fold 2/2") && a.err().contains("<- best"), a.err());
        CommandsTest.Run b = run(cat(base, "--log", dir.resolve("b.jsonl").toString()));
        assertTrue(Arrays.equals(first, accuracies(b.summary())), "the same seed, the same trials: " + Arrays.toString(first) + " " + b.out());
        // an interrupted search: the log holds its head and the first trial only
        List<String> lines = Files.readAllLines(dir.resolve("b.jsonl"));
        Files.write(dir.resolve("b.jsonl"), List.of(lines.get(0), lines.get(1), lines.get(2).substring(0, 20))); // the third cut short
        CommandsTest.Run c = run(cat(base, "--log", dir.resolve("b.jsonl").toString(), "--train-best"));
        assertEquals(0, c.status(), c.err());
        assertEquals(1, c.err().lines().filter(l -> l.contains("(from the log)")).count(), c.err());
        assertTrue(Arrays.equals(first, accuracies(c.summary())), "resumed: " + c.out());
        assertEquals(4, Files.readAllLines(dir.resolve("b.jsonl")).size(), "the cut line dropped, trials 2 and 3 appended whole");
        assertTrue(c.summary().get("test_accuracy").getAsDouble() > 0.1, c.out());
        CommandsTest.Run d = run("search", "--data", data.toString(), "--trials", "2", "--lr", "0.1,0.2", "--log", dir.resolve("a.jsonl").toString());
        assertEquals(2, d.status());
        assertTrue(d.err().contains("holds another search"), d.err());
    }

    private static String[] cat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
