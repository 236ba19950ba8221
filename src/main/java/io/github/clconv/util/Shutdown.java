package io.github.clconv.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The JVM's one shutdown hook, which runs its steps in order. Java runs separate hooks at
 * once, in no order, while the program's own threads go on: a hook that released OpenCL
 * kernels while the training thread still set their arguments crashed the JVM (SIGSEGV in
 * clSetKernelArg), and one that deleted temporary files ran before a save that started
 * later. So, on SIGINT or SIGTERM (or any exit):
 * <ol>
 * <li>stop() is raised: the next device operation of a thread doing work throws
 *     {@link StoppedException}, except inside a critical section (a save), which finishes;</li>
 * <li>the hook waits for all work (see {@link #work()}) to end, at most {@link #GRACE_S} seconds;</li>
 * <li>the registered steps run by stage: temporary files deleted, then devices released,
 *     then MPI finalised. Devices are released only when no work is left running.</li>
 * </ol>
 */
public final class Shutdown {
    /** The order of the steps: files first, then what threads may still use. */
    public enum Stage { FILES, DEVICES, MPI }

    /** How long the hook waits for work to end before it cleans up anyway (a save on a slow disk must fit). */
    public static final long GRACE_S = 30;

    /** Thrown by a device operation once the JVM is stopping: the work unwinds and closes what it opened. */
    public static final class StoppedException extends RuntimeException {
        public StoppedException(String message) {
            super(message);
        }
    }

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Condition IDLE = LOCK.newCondition();
    private static final List<List<Runnable>> STEPS = new ArrayList<>();
    private static final ThreadLocal<int[]> CRITICAL = ThreadLocal.withInitial(() -> new int[1]);
    private static volatile boolean stopping;
    private static int working;

    static {
        for (int i = 0; i < Stage.values().length; i++) {
            STEPS.add(new ArrayList<>());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Shutdown::run, "clconv-shutdown"));
    }

    private Shutdown() {
    }

    /** Adds a step for the hook; steps of one stage run in the order they were added. */
    public static void onExit(Stage stage, Runnable step) {
        synchronized (STEPS) {
            STEPS.get(stage.ordinal()).add(step);
        }
    }

    /** True once the JVM has begun to stop. */
    public static boolean stopping() {
        return stopping;
    }

    /** Throws StoppedException when the JVM is stopping, unless the calling thread is in a critical section. */
    public static void check() {
        if (stopping && CRITICAL.get()[0] == 0) {
            throw new StoppedException("stopped by a signal");
        }
    }

    /** A span of work the hook waits for; close it in a finally (try-with-resources). */
    public static AutoCloseable work() {
        LOCK.lock();
        try {
            working++;
        } finally {
            LOCK.unlock();
        }
        boolean[] closed = {false};
        return () -> {
            LOCK.lock();
            try {
                if (!closed[0]) {
                    closed[0] = true;
                    working--;
                    IDLE.signalAll();
                }
            } finally {
                LOCK.unlock();
            }
        };
    }

    /** What must not be cut in half by a stop (writing a checkpoint and its state): it runs to its end. */
    public interface Critical<T, E extends Exception> {
        T run() throws E;
    }

    public static <T, E extends Exception> T critical(Critical<T, E> body) throws E {
        int[] depth = CRITICAL.get();
        depth[0]++;
        try {
            return body.run();
        } finally {
            depth[0]--;
        }
    }

    private static void run() {
        stopping = true;
        boolean idle;
        LOCK.lock();
        try {
            long left = TimeUnit.SECONDS.toNanos(GRACE_S);
            while (working > 0 && left > 0) {
                left = IDLE.awaitNanos(left);
            }
            idle = working == 0;
        } catch (InterruptedException e) {
            idle = false;
        } finally {
            LOCK.unlock();
        }
        if (!idle) {
            System.err.println("clconv: work still running after " + GRACE_S + " s of shutdown; exiting without releasing the devices");
        }
        List<List<Runnable>> steps;
        synchronized (STEPS) {
            steps = new ArrayList<>();
            STEPS.forEach(s -> steps.add(List.copyOf(s)));
        }
        for (Stage stage : Stage.values()) {
            if (stage != Stage.FILES && !idle) {
                break; // releasing what a live thread still uses is what crashed
            }
            for (Runnable step : steps.get(stage.ordinal())) {
                try {
                    step.run();
                } catch (RuntimeException | Error e) {
                    // the JVM is stopping: one failed step must not keep the others from running
                }
            }
        }
    }
}
