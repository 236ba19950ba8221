package io.github.clconv.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one replica per device, each on a thread of its own (an OpenCL backend belongs to the
 * thread that opens it), all meeting in one LocalSync. The first replica's result is the
 * run's; when any replica fails, the others are stopped and its error is thrown.
 */
public final class DataParallel {
    private DataParallel() {
    }

    /** One replica's whole run: open its device, build its model, train it with sync as its hook. */
    @FunctionalInterface
    public interface Replica<T> {
        T run(int rank, int world, LocalSync sync) throws Exception;
    }

    public static <T> T run(int world, long timeoutSeconds, Replica<T> replica) throws Exception {
        LocalSync sync = new LocalSync(world, timeoutSeconds);
        ExecutorService pool = Executors.newFixedThreadPool(world, r -> {
            Thread t = new Thread(r, "clconv-replica");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try {
                        return replica.run(rank, world, sync);
                    } catch (Exception | Error e) {
                        sync.abort();
                        throw e;
                    }
                }));
            }
            Exception first = null;
            T out = null;
            for (int r = 0; r < world; r++) {
                try {
                    T v = results.get(r).get();
                    if (r == 0) {
                        out = v;
                    }
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    // a replica that stopped because another failed reports that; keep the cause
                    boolean echo = c instanceof IllegalStateException && c.getMessage() != null && c.getMessage().startsWith("another replica stopped");
                    if (first == null || (!echo && first.getMessage() != null && first.getMessage().startsWith("another replica stopped"))) {
                        first = c instanceof Exception ex ? ex : new RuntimeException(c);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
