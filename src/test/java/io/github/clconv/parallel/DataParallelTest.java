package io.github.clconv.parallel;

import io.github.clconv.data.SyntheticData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Data-parallel training against one device, in child JVMs (the device list is fixed when
 * OpenCL starts): two PoCL devices in one process (POCL_DEVICES="pthread pthread") and two
 * MPI ranks on localhost each reproduce the single device's loss trajectory for the same
 * global batch (lenet, no shuffle, SGD momentum, 35 steps logged every 5) within 1e-5
 * relative; repeated runs give the same checkpoint bit for bit; a rank killed with SIGKILL
 * ends the MPI job with an error in under a minute. Without Open MPI the MPI tests fail
 * with the packages to install.
 */
class DataParallelTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws IOException {
        data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 64 * 35, 200, 28, false, 13L);
    }

    static List<String> java() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                "io.github.clconv.cli.Main");
    }

    static List<String> train(String name) {
        return List.of("train", "--data", data.toString(), "--model", "lenet", "--no-shuffle", "--batch", "64", "--log-every", "5",
                "--metrics", dir.resolve(name + ".jsonl").toString(), "--save", dir.resolve(name + ".safetensors").toString());
    }

    static Process start(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out-" + System.nanoTime() + ".log").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    static void runOk(List<String> cmd, Map<String, String> env) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Path log = dir.resolve("log-" + System.nanoTime() + ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in 240 s:\n" + Files.readString(log));
            }
            if (crashedOnTwoDevices(p.exitValue(), attempt, env, log)) {
                continue;
            }
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + Files.readString(log));
            return;
        }
    }

    /**
     * Two PoCL 3.1 pthread devices in one process die by SIGSEGV now and then on a loaded machine (about one run in ten
     * with both cores busy; no JVM crash log: the signal hits a driver thread): up to two more attempts, each said
     * aloud with its log, then the test fails. The crash itself is an open question (see the closing note of 2026-12-06).
     */
    static boolean crashedOnTwoDevices(int status, int attempt, Map<String, String> env, Path log) throws IOException {
        if (status != 139 || attempt >= 3 || !env.containsKey("POCL_DEVICES")) {
            return false;
        }
        System.out.println("DataParallelTest: attempt " + attempt + " died by SIGSEGV (PoCL with two devices in one process); again:\n"
                + Files.readString(log));
        return true;
    }

    static double[] losses(String name) throws IOException {
        List<Double> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"type\":\\s*\"step\".*?\"loss\":\\s*([0-9.eE+-]+)").matcher(Files.readString(dir.resolve(name + ".jsonl")));
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static void sameTrajectory(double[] want, double[] got, String what) {
        assertEquals(7, want.length, "35 steps logged every 5");
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-5 * Math.abs(want[i]), what + ": step " + 5 * (i + 1) + " loss " + got[i] + " against " + want[i]);
        }
    }

    /** Every tensor's values in name order (the header differs: each save has its own generation id). */
    static float[][] model(String name) throws IOException {
        return io.github.clconv.train.Checkpoint.read(dir.resolve(name + ".safetensors")).tensors().values().toArray(new float[0][]);
    }

    static List<String> cmd(List<String> a, List<String> b) {
        List<String> c = new ArrayList<>(a);
        c.addAll(b);
        return c;
    }

    static double[] single;

    static synchronized double[] single() throws Exception {
        if (single == null) {
            runOk(cmd(java(), train("single")), Map.of("POCL_DEVICES", "pthread pthread"));
            single = losses("single");
        }
        return single;
    }

    /** The library's ParallelFit (what TrainCommand uses) on two devices follows the same losses as on one. */
    @Test
    void theLibraryTrainsOnTwoDevicesAsOnOne() throws Exception {
        Map<String, String> env = Map.of("POCL_DEVICES", "pthread pthread");
        double[] one = libraryLosses("0", env), two = libraryLosses("0,1", env);
        assertEquals(7, one.length, "35 steps logged every 5");
        for (int i = 0; i < one.length; i++) {
            assertTrue(Math.abs(one[i] - two[i]) <= 1e-5 * Math.abs(one[i]) + 1e-6, "step " + 5 * (i + 1) + ": two devices " + two[i] + ", one " + one[i]);
        }
    }

    private static double[] libraryLosses(String devices, Map<String, String> env) throws Exception {
        Path out = dir.resolve("library-" + devices.replace(',', '_') + ".txt");
        for (int attempt = 1; ; attempt++) {
            ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), LibraryParallelFit.class.getName(), devices, data.toString()))
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("LibraryParallelFit " + devices + " did not finish in 240 s");
            }
            if (crashedOnTwoDevices(p.exitValue(), attempt, env, out)) {
                continue;
            }
            assertEquals(0, p.exitValue(), "LibraryParallelFit " + devices + ":\n" + Files.readString(out));
            return Files.readAllLines(out).stream().filter(l -> l.startsWith("loss ")).mapToDouble(l -> Double.parseDouble(l.substring(5))).toArray();
        }
    }

    @Test
    void twoDevicesInOneProcessReproduceOneDevice() throws Exception {
        double[] one = single();
        Map<String, String> env = Map.of("POCL_DEVICES", "pthread pthread");
        runOk(cmd(cmd(java(), train("dual1")), List.of("--devices", "0,1")), env);
        runOk(cmd(cmd(java(), train("dual2")), List.of("--devices", "0,1")), env);
        sameTrajectory(one, losses("dual1"), "--devices 0,1");
        assertArrayEquals(losses("dual1"), losses("dual2"), "repeated runs");
        float[][] a = model("dual1"), b = model("dual2");
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], "repeated runs save the same bits, tensor " + i);
        }
    }

    static List<String> mpirun(int np) {
        Path mpirun = Path.of("/usr/bin/mpirun");
        if (!Files.isExecutable(mpirun)) {
            fail("mpirun is missing: apt-get install -y openmpi-bin libopenmpi-dev");
        }
        return List.of(mpirun.toString(), "--allow-run-as-root", "--oversubscribe", "-np", "" + np);
    }

    @Test
    void twoMpiRanksReproduceOneDevice() throws Exception {
        double[] one = single();
        runOk(cmd(cmd(mpirun(2), java()), train("mpi1")), Map.of());
        runOk(cmd(cmd(mpirun(2), java()), train("mpi2")), Map.of());
        sameTrajectory(one, losses("mpi1"), "mpirun -np 2");
        float[][] a = model("mpi1"), b = model("mpi2");
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], "repeated runs save the same bits, tensor " + i);
        }
    }

    static List<String> trainBn(String name) {
        List<String> c = new ArrayList<>(train(name));
        c.set(c.indexOf("lenet"), "conv(8,3)-bn-relu-maxpool(2)-flatten-linear(32)-bn-relu-linear(10)");
        return c;
    }

    /**
     * With batch norm, replicas that normalise with their own half batch follow another
     * trajectory; --sync-bn (statistics of the whole global batch) reproduces one device's, in
     * one process and across MPI ranks.
     */
    @Test
    void syncBatchNormReproducesOneDevice() throws Exception {
        Map<String, String> env = Map.of("POCL_DEVICES", "pthread pthread");
        runOk(cmd(java(), trainBn("bn-single")), env);
        runOk(cmd(cmd(java(), trainBn("bn-dual")), List.of("--devices", "0,1")), env);
        runOk(cmd(cmd(java(), trainBn("bn-sync")), List.of("--devices", "0,1", "--sync-bn")), env);
        runOk(cmd(cmd(cmd(mpirun(2), java()), trainBn("bn-mpi")), List.of("--sync-bn")), Map.of());
        double[] one = losses("bn-single"), own = losses("bn-dual");
        sameTrajectory(one, losses("bn-sync"), "--devices 0,1 --sync-bn");
        sameTrajectory(one, losses("bn-mpi"), "mpirun -np 2 --sync-bn");
        double most = 0;
        for (int i = 0; i < one.length; i++) {
            most = Math.max(most, Math.abs(one[i] - own[i]) / one[i]);
        }
        assertTrue(most > 1e-3, "per-replica statistics give another trajectory (the test can tell): " + most);
    }

    @Test
    void aKilledRankEndsTheJobWithAnError() throws Exception {
        List<String> longRun = cmd(cmd(mpirun(2), java()), List.of("train", "--data", data.toString(), "--model", "lenet", "--epochs", "50",
                "--batch", "16", "--save", dir.resolve("killed.safetensors").toString()));
        Process p = start(longRun, Map.of());
        List<ProcessHandle> ranks = List.of();
        for (int i = 0; i < 300 && ranks.size() < 2; i++) {
            Thread.sleep(100);
            ranks = p.toHandle().descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
        }
        assertEquals(2, ranks.size(), "two rank JVMs under mpirun");
        Thread.sleep(4000); // into training
        long t0 = System.nanoTime();
        assertTrue(ranks.get(1).destroyForcibly(), "SIGKILL sent"); // destroyForcibly is SIGKILL on Linux (no kill binary needed)
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (!ended) {
            p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertTrue(ended, "the job ended within 60 s of the kill");
        assertNotEquals(0, p.exitValue(), "with an error status");
        System.out.printf("a killed rank ended the MPI job in %.1f s%n", secs);
    }

    /** Ranks started with different options (mpirun's ':' syntax): every rank ends within seconds, naming what differs. */
    @Test
    void ranksGivenDifferentOptionsEndNamingTheDifference() throws Exception {
        List<String> base = List.of("train", "--data", data.toString(), "--limit", "640", "--save", dir.resolve("differ.safetensors").toString());
        String[][] cases = {{"--batch", "64", "--batch", "32", "different --batch"}, {"--model", "lenet", "--model", "lenet-bn", "different --model"},
                {"--seed", "1", "--seed", "2", "different starting weights"}};
        for (String[] c : cases) {
            List<String> cmd = cmd(cmd(cmd(cmd(mpirun(1), java()), base), List.of(c[0], c[1], ":", "-np", "1")), cmd(cmd(java(), base), List.of(c[2], c[3])));
            Path log = dir.resolve("differ-" + System.nanoTime() + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String out = Files.readString(log);
            assertTrue(ended, c[4] + ": the job ended within 60 s:\n" + out);
            assertNotEquals(0, p.exitValue(), out);
            assertEquals(2, out.lines().filter(l -> l.startsWith("clconv: ") && l.contains("ranks were given " + c[4])).count(), "one line per rank:\n" + out);
            assertTrue(!out.contains("Exception") && !out.contains("double free") && !out.contains("MPI_ABORT"), out);
        }
        assertTrue(Files.notExists(dir.resolve("differ.safetensors")), "nothing saved");
    }
}
