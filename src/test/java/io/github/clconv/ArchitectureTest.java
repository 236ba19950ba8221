package io.github.clconv;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering docs/DESIGN.md describes, read from the sources: a package uses only packages
 * of a lower rank (imports and fully qualified names alike), the tuners do not use each other,
 * and ClBackend only routes (it stays small).
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/io/github/clconv");
    /** Lower ranks first; a package may use those of a strictly lower rank. */
    private static final Map<String, Integer> RANK = Map.ofEntries(
            Map.entry("util", 0), Map.entry("tensor", 0),
            Map.entry("backend", 1), Map.entry("tuning", 1),
            Map.entry("opencl", 2), Map.entry("verify", 2), Map.entry("data", 2), Map.entry("nn", 2),
            Map.entry("onnx", 3),
            Map.entry("train", 4),
            Map.entry("parallel", 5), Map.entry("bench", 5),
            Map.entry("cli", 6));
    private static final Pattern USE = Pattern.compile("io\\.github\\.clconv\\.([a-z]+)\\.");

    @Test
    void noPackageUsesOneAboveIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                if (pkg.endsWith(".java")) {
                    continue; // the root package holds nothing but Main's launcher
                }
                assertTrue(RANK.containsKey(pkg), "package " + pkg + " has no rank in ArchitectureTest; give it one and say so in DESIGN.md");
                Matcher m = USE.matcher(Files.readString(f));
                while (m.find()) {
                    String used = m.group(1);
                    if (!used.equals(pkg) && RANK.getOrDefault(used, 99) >= RANK.get(pkg)) {
                        wrong.add(MAIN.relativize(f) + " uses " + used);
                    }
                }
            }
        }
        assertEquals(List.of(), wrong.stream().distinct().toList());
    }

    @Test
    void tunersDoNotUseEachOther() throws IOException {
        List<String> tuners = List.of("GemmTuner", "MovementTuner", "ConvTuner");
        for (String t : tuners) {
            String src = Files.readString(MAIN.resolve("opencl/" + t + ".java"));
            for (String other : tuners) {
                assertTrue(other.equals(t) || !src.contains(other), t + " uses " + other);
            }
        }
    }

    @Test
    void theDeviceBackendOnlyRoutes() throws IOException {
        long lines = Files.readAllLines(MAIN.resolve("opencl/ClBackend.java")).size();
        assertTrue(lines < 350, "ClBackend has " + lines + " lines: what is not routing belongs in a launcher or the runtime");
        assertTrue(!Files.readString(MAIN.resolve("opencl/ClBackend.java")).contains("Checks."), "ClBackend checks arguments: Backend does");
    }
}
