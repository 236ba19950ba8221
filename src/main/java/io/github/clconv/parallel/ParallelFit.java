package io.github.clconv.parallel;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.nn.BatchNorm;
import io.github.clconv.nn.Model;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.train.Fit;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.Trainer;
import io.github.clconv.train.TrainingListener;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Fit, data-parallel: a replica of the model on each of several devices of this process, or
 * one per rank of an MPI job (under mpirun), the batch split evenly among them and the
 * gradients averaged every step; replica 0 evaluates and reports. The same training as Fit on
 * one device with the whole batch, up to the order of floating-point sums.
 * <pre>{@code
 * List<EpochResult> h = ParallelFit.onDevices(List.of("0", "1"))
 *         .model(b -> ModelSpec.parse("lenet-bn").withClasses(10).build(Shape.of(1, 28, 28), b, 42))
 *         .optimizer(Optimizer.Config.sgd(0.05f).withMomentum(0.9f))
 *         .configure((replica, fit) -> fit.batch(64).epochs(2))
 *         .run(train, test, null);
 * }</pre>
 */
public final class ParallelFit {
    /** Wait at most this long for the other replicas at a gradient exchange before stopping with an error. */
    public static final long REPLICA_TIMEOUT_S = 600;

    /** One replica as configure sees it (sync: its gradient exchange, null alone): replica 0 (lead()) evaluates, reports and saves. */
    public record Replica(int rank, int world, Backend backend, Model model, Trainer.GradientSync sync) {
        public boolean lead() {
            return rank == 0;
        }
    }

    /**
     * One replica's run, for callers that open their device, model and data themselves (the command line): sync is
     * the replica's gradient exchange (null when world is 1), bnSync the batch-norm statistics' exchange or null.
     */
    @FunctionalInterface
    public interface Part<T> {
        T run(int rank, int world, Trainer.GradientSync sync, BatchNorm.StatsSync bnSync) throws Exception;
    }

    private final List<String> devices; // null: under MPI, each rank on device
    private String device = "auto";
    private Function<String, Backend> open = ClBackend::open;
    private ModelFactory model;
    private Optimizer.Config optimizer;
    private BiConsumer<Replica, Fit.Builder> configure = (r, f) -> { };
    private boolean syncBatchNorm;
    private Function<Model, RankAgreement> agreement; // null: the model, its weights and the training data

    private ParallelFit(List<String> devices) {
        this.devices = devices;
    }

    /** Replicas on these devices (as --device names them: indices, gpu, cpu, auto), one thread each. */
    public static ParallelFit onDevices(List<String> devices) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("data-parallel training needs at least one device");
        }
        return new ParallelFit(List.copyOf(devices));
    }

    /** One replica per rank of the MPI job this process is part of (Mpi.launched()), each on device(). */
    public static ParallelFit underMpi() {
        if (!Mpi.launched()) {
            throw new IllegalStateException("this process was not started by mpirun");
        }
        return new ParallelFit(null);
    }

    /** Under MPI: the device of this rank (default auto). */
    public ParallelFit device(String spec) {
        this.device = spec;
        return this;
    }

    /** How a device name becomes a backend (default ClBackend.open). */
    public ParallelFit open(Function<String, Backend> open) {
        this.open = open;
        return this;
    }

    /** Builds a replica's model on its backend (from a spec, a checkpoint, a graph). */
    @FunctionalInterface
    public interface ModelFactory {
        Model build(Backend b) throws Exception;
    }

    /** Builds each replica's model on its backend; every replica must build the same weights (a fixed seed or a checkpoint). */
    public ParallelFit model(ModelFactory model) {
        this.model = model;
        return this;
    }

    public ParallelFit optimizer(Optimizer.Config config) {
        this.optimizer = config;
        return this;
    }

    /** Configures each replica's Fit (batch, epochs, schedule; listeners and saving on the lead); the same for all but what only the lead does. */
    public ParallelFit configure(BiConsumer<Replica, Fit.Builder> configure) {
        this.configure = configure;
        return this;
    }

    /** Batch norms normalise with the whole global batch's statistics (PyTorch's SyncBatchNorm) instead of each replica's own. */
    public ParallelFit syncBatchNorm(boolean on) {
        this.syncBatchNorm = on;
        return this;
    }

    /** Under MPI: what the ranks must share, each by the name a user would change (default: the model, its starting weights, the training data). */
    public ParallelFit agreement(Function<Model, RankAgreement> agreement) {
        this.agreement = agreement;
        return this;
    }

    /** Trains; the lead's epoch results (the other replicas evaluate nothing). */
    public List<TrainingListener.EpochResult> run(Dataset train, Dataset test, Dataset validation) throws Exception {
        if (model == null || optimizer == null) {
            throw new IllegalStateException("ParallelFit needs model(...) and optimizer(...) before run");
        }
        return run(devices, syncBatchNorm, (rank, world, sync, bnSync) -> {
            try (Backend b = open.apply(devices == null ? device : devices.get(rank)); Model net = model.build(b)) {
                if (sync instanceof MpiSync ms) {
                    (agreement != null ? agreement.apply(net) : new RankAgreement().add("model", net.describe()).add("starting weights", weights(net))
                            .add("training data", train.images())).check(ms.mpi());
                }
                if (bnSync != null) {
                    net.layers().stream().filter(l -> l instanceof BatchNorm).forEach(l -> ((BatchNorm) l).synchronise(bnSync));
                }
                Fit.Builder fb = Fit.builder(net, optimizer);
                if (sync != null) {
                    fb.replica(rank, world, sync);
                }
                configure.accept(new Replica(rank, world, b, net, sync), fb);
                try (Fit fit = fb.build()) {
                    return fit.run(train, rank == 0 ? test : null, rank == 0 ? validation : null);
                }
            }
        });
    }

    private static float[] weights(Model net) {
        List<float[]> all = net.params().stream().map(p -> net.backend().download(p.param().value())).toList();
        float[] flat = new float[all.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] a : all) {
            System.arraycopy(a, 0, flat, at, a.length);
            at += a.length;
        }
        return flat;
    }

    /**
     * Runs part once per replica: under MPI (devices null) as this rank, ending the whole job when this rank fails (the
     * others would wait in an allreduce for it); else on one thread per device, or on the caller's thread for one device.
     */
    public static <T> T run(List<String> devices, boolean syncBatchNorm, Part<T> part) throws Exception {
        if (devices == null) {
            Mpi mpi = Mpi.get();
            try {
                MpiSync ms = new MpiSync(mpi);
                return part.run(mpi.rank(), mpi.size(), ms, syncBatchNorm ? ms.stats() : null);
            } catch (RankAgreement.DisagreementException e) {
                throw e; // every rank found the same difference and ends by itself
            } catch (Exception | Error e) {
                if (mpi.size() > 1) {
                    System.err.println("clconv: rank " + mpi.rank() + ": " + e.getMessage() + "; ending the MPI job");
                    mpi.abort(2);
                }
                throw e;
            }
        }
        if (devices.size() > 1) {
            return DataParallel.run(devices.size(), REPLICA_TIMEOUT_S,
                    (rank, world, sync) -> part.run(rank, world, sync.member(rank), syncBatchNorm ? sync.stats(rank) : null));
        }
        if (syncBatchNorm) {
            throw new IllegalArgumentException("--sync-bn synchronises batch norms across replicas; it needs two or more devices, or mpirun");
        }
        return part.run(0, 1, null, null);
    }
}
