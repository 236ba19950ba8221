package io.github.clconv.cli;

import io.github.clconv.util.AtomicFiles;
import io.github.clconv.train.Schedule;
import io.github.clconv.train.Augmentation;
import io.github.clconv.train.TrainingState;

import io.github.clconv.data.Dataset;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.train.Checkpoint;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.TrainingListener;
import io.github.clconv.train.Fit;
import io.github.clconv.parallel.Mpi;
import io.github.clconv.parallel.MpiSync;
import io.github.clconv.parallel.ParallelFit;
import io.github.clconv.parallel.RankAgreement;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on a dataset (default: Fashion-MNIST), evaluate it on the test set after each epoch and save a checkpoint.",
                "Progress goes to stderr; the last line on stdout is a JSON summary."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--data", description = "Data folder: " + "MNIST-format IDX files (.gz or raw, any class count), CIFAR-10/100 binary batches, or an image folder train/CLASS/*.png|jpg with test/CLASS/..." + ". Default: /usr/share/datasets/fashion-mnist.")
    Path data = Dataset.DEFAULT_DIR;
    @Option(names = "--freeze", split = ",", paramLabel = "WHAT", description = "Fine-tuning: keep these tensors as loaded: backbone (everything"
            + " but the final classifier) and/or state_dict name prefixes (conv1,layer1). They get no optimiser state, backward stops where"
            + " nothing before it trains, and their batch norms keep their running statistics.")
    List<String> freeze = List.of();
    @Option(names = "--image-size", paramLabel = "N", description = "An image folder's photos become N x N: the shorter side resized"
            + " (bilinear, antialiased) to N/0.875 and the centre cropped, as torchvision evaluates; an N x N image is used as it is."
            + " Default: the images' own size when they all share one, else 224.")
    int imageSize;
    @Option(names = "--model", paramLabel = "SPEC", description = {"A preset (" + io.github.clconv.nn.ModelSpec.PRESET_NAMES + ") or a spec: layers joined by '-',"
            + " e.g. conv(32,3,p=1)-bn-relu-maxpool(2)-flatten-linear(10); layers conv(K,R,s=,p=,g=,bias=), maxpool(K,s=), avgpool(K,s=), gap,"
            + " relu, leakyrelu(A), sigmoid, tanh, flatten, linear(N), dropout(P), bn; blocks res[BODY|SHORTCUT], cat[A|B] (README: Model specs)."
            + " Default: lenet, or the model stored in --load."})
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the training set. Default: ${DEFAULT-VALUE}.")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "Mini-batch size. Default: ${DEFAULT-VALUE}.")
    int batch;
    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate. Default: ${DEFAULT-VALUE}.")
    float lr;
    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, adagrad, adam or adamw (decoupled weight decay). Default: ${DEFAULT-VALUE}.")
    String optimizer;
    @Spec
    CommandSpec spec;
    @Option(names = "--schedule", defaultValue = "constant", paramLabel = "S",
            description = "Learning-rate schedule, stepped per batch as torch.optim.lr_scheduler: constant, cosine (to 0 over the run),"
                    + " step:EPOCHS:GAMMA (times GAMMA every EPOCHS epochs) or onecycle. Default: ${DEFAULT-VALUE}.")
    String schedule;
    @Option(names = "--normalize", arity = "0..1", fallbackValue = "data", paramLabel = "data|imagenet",
            description = "Normalise each channel: by the training set's mean and standard deviation (data, the default), or by ImageNet's"
                    + " (imagenet: what torchvision's pretrained weights expect); both are kept in the checkpoint, and eval and predict apply them.")
    String normalize;
    @Option(names = "--augment", paramLabel = "A",
            description = "Augment training images: hflip (random horizontal flip), crop:N (random crop after zero padding of N pixels),"
                    + " resized-crop[:S] (image folders: a random crop of S to all of each photo's area, 0.08 by default, and aspect 3/4 to 4/3,"
                    + " resized to the input, as torchvision's RandomResizedCrop), e.g. hflip,crop:4 or resized-crop,hflip; drawn from --seed.")
    String augment;
    @Option(names = "--label-smoothing", defaultValue = "0", paramLabel = "E",
            description = "Label smoothing of the training loss, in [0, 1) (torch's CrossEntropyLoss(label_smoothing=E)). Default: ${DEFAULT-VALUE}.")
    float labelSmoothing;
    @Option(names = "--warmup", defaultValue = "0", paramLabel = "STEPS", description = "Linear learning-rate warm-up over the first STEPS steps. Default: ${DEFAULT-VALUE}.")
    int warmup;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum; 0 is plain SGD. Default: ${DEFAULT-VALUE}.")
    float momentum;
    @Option(names = "--nesterov", description = "Nesterov momentum (sgd).")
    boolean nesterov;
    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay. Default: ${DEFAULT-VALUE}.")
    float weightDecay;
    @Option(names = "--l1", defaultValue = "0", paramLabel = "LAMBDA", description = "L1 regularisation: LAMBDA * sign(w) added to the gradient of"
            + " every convolution and linear weight (not biases or normalisation parameters), beside --weight-decay. Default: ${DEFAULT-VALUE}.")
    float l1;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, shuffling and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--save", defaultValue = "runs/last.safetensors",
            description = "Checkpoint to write after every epoch (safetensors, loadable by PyTorch), with its training state beside it"
                    + " in F.state.safetensors for --resume. Default: ${DEFAULT-VALUE}.")
    Path save;
    @Option(names = "--resume", paramLabel = "F", description = "Continue the run saved in F (and F.state.safetensors): model, optimiser"
            + " state, epoch, step and random state; --epochs is the total to reach. Saves back to F unless --save says otherwise.")
    Path resume;
    @Option(names = "--load", description = "Start from this checkpoint: clconv's safetensors, a PyTorch state_dict (.pth, .pt) of the --model preset, or an .onnx file (its graph is the model).")
    Path load;
    @Option(names = "--no-shuffle", description = "Take batches in file order: step s uses images [(s-1)*B, s*B) modulo the whole batches.")
    boolean noShuffle;
    @Option(names = "--limit", description = "Use only the first N training images.")
    Integer limit;
    @Option(names = "--val-split", defaultValue = "0", description = "Hold out this fraction of the training set (its end, after one seeded shuffle) for validation. Default: ${DEFAULT-VALUE}.")
    double valSplit;
    @Option(names = "--metrics", description = "Write metrics every --log-every steps and once per epoch: CSV with a header when the name ends in .csv, else JSON lines.")
    Path metrics;
    @Option(names = "--log-every", defaultValue = "50", description = "Steps between loss read-backs (metrics, progress). Default: ${DEFAULT-VALUE}.")
    int logEvery;
    @Option(names = "--plot", paramLabel = "F.png|F.svg", description = "Draw loss and accuracy (training at every --log-every steps and per epoch; validation and test per epoch) to this PNG, or SVG when the name ends in .svg.")
    Path plot;
    @Option(names = "--data-budget", paramLabel = "MiB", description = "Device memory each of the training and test sets may take;"
            + " a larger one is streamed in chunks of that size. Default: a quarter of the device's memory.")
    Long dataBudget;
    @Option(names = "--progress", defaultValue = "auto", paramLabel = "bar|lines|none", description = "How the epoch's progress shows on stderr:"
            + " a bar redrawn in place (the default on a terminal), a line every tenth of an epoch or 30 s (the default otherwise), or nothing.")
    String progressMode;
    @Option(names = "--conv-algo", paramLabel = "ALGO", defaultValue = "auto", description = Backends.CONV_ALGO_HELP + " Default: ${DEFAULT-VALUE}.")
    String convAlgo;
    @Option(names = "--sync-bn", description = "With several replicas: batch norms normalise with the statistics of the whole global batch"
            + " (as PyTorch's SyncBatchNorm) instead of each replica's own.")
    boolean syncBn;
    @Option(names = "--devices", paramLabel = "LIST", description = "Train data-parallel on these devices (indices from `clconv devices`,"
            + " comma-separated, or all): a model replica on each, the batch split evenly among them, gradients averaged every step.")
    String devices;
    @Option(names = "--eval-batch", defaultValue = "256", description = "Batch size for evaluation. Default: ${DEFAULT-VALUE}.")
    int evalBatch;

    @Override
    public Integer call() throws Exception {
        validate();
        if (resume != null) {
            if (load != null) {
                throw new IllegalArgumentException("--resume continues a run and --load starts a new one from weights; pass one of them");
            }
            load = resume;
            if (spec == null || !spec.commandLine().getParseResult().hasMatchedOption("--save")) {
                save = resume;
            }
        }
        Schedule sched = Schedule.parse(schedule, warmup);
        Augmentation aug = Augmentation.parse(augment);
        if (normalize != null && !normalize.equalsIgnoreCase("data") && !normalize.equalsIgnoreCase("imagenet")) {
            throw new IllegalArgumentException("--normalize " + normalize + ": expected data (the training set's statistics) or imagenet");
        }
        long t0 = System.nanoTime();
        checkNoCollisions();
        // every output is checked before the first step: a run must not end in a failed save
        for (Path out : new Path[]{save, save == null ? null : TrainingState.stateFile(save), plot}) {
            if (out != null) {
                AtomicFiles.checkWritable(out);
            }
        }
        if (metrics != null) {
            AtomicFiles.checkWritable(metrics, true);
        }
        Dataset[] sets = Dataset.load(data, imageSize);
        boolean noTest = sets[1] == null;
        if (noTest && valSplit == 0) {
            throw new IllegalArgumentException(data + " has no test set (no test/CLASS/ folders); pass --val-split 0.1 to hold out a tenth of the"
                    + " training images for evaluation");
        }
        if (!noTest && !sets[1].sample().equals(sets[0].sample())) {
            throw new IllegalArgumentException(data + ": the test images are " + sets[1].sample() + " but the training images are "
                    + sets[0].sample() + "; both sets must have one image size");
        }
        Dataset train = limit != null ? sets[0].limit(limit) : sets[0], test = sets[1], val = null;
        if (valSplit > 0) {
            Dataset[] split = train.split(valSplit, seed);
            train = split[0];
            val = split[1];
            if (noTest) { // the held-out images are all there is to evaluate on
                test = val;
                val = null;
            }
        }
        double brightness = meanPixel(train); // before normalisation: what predict compares an image's brightness with
        // a checkpoint trained on normalised data keeps its statistics; --normalize takes the training set's
        double[][] norm = load != null ? Checkpoint.read(load).normalization(load) : null;
        if (norm == null && normalize != null) {
            norm = normalization(normalize, train);
        }
        if (norm != null) {
            train = train.normalized(norm[0], norm[1]);
            test = test.normalized(norm[0], norm[1]);
            val = val == null ? null : val.normalized(norm[0], norm[1]);
        }
        Optimizer.Config optConfig = new Optimizer.Config(Optimizer.kind(optimizer), lr, Optimizer.kind(optimizer) == Optimizer.Kind.SGD ? momentum : 0f,
                nesterov, weightDecay, l1);
        int classes = Math.max(train.classes(), test.classes());
        boolean mpi = Mpi.launched(); // under mpirun: this process is one rank; MPI says which
        if (mpi && devices != null) {
            throw new IllegalArgumentException("--devices and mpirun do not mix: each MPI rank trains on its --device");
        }
        ParallelFit fit = mpi ? ParallelFit.underMpi().device(device) : ParallelFit.onDevices(devices == null ? List.of(device) : Backends.deviceList(devices));
        Dataset trainSet = train;
        double[][] normalization = norm;
        fit.open(spec -> Backends.open(spec, null, null, convAlgo))
                .model(b -> Models.openFitting(model == null && load == null ? "lenet" : model, load, trainSet.sample(), classes, b, seed))
                .optimizer(optConfig).syncBatchNorm(syncBn).agreement(net -> agreement(net, trainSet));
        boolean leadProcess = !mpi || Mpi.get().rank() == 0;
        Report report = new Report(train, val, test, noTest, sched, aug, t0);
        try (MetricsFile metricsFile = new MetricsFile(leadProcess ? metrics : null, () -> report.optimizer.learningRate());
             Progress progress = new Progress(batch, epochs, progressMode)) {
            fit.configure((replica, fb) -> {
                fb.batch(batch).epochs(epochs).seed(seed).shuffle(!noShuffle).logEvery(logEvery).evalBatch(evalBatch).labelSmoothing(labelSmoothing)
                        .schedule(sched).augment(aug).resume(resume).dataBudgetMiB(dataBudget).freeze(freeze);
                if (replica.lead()) {
                    report.lead(replica, fb, progress, metricsFile);
                    if (save != null) {
                        fb.saveEachEpoch(save, trainSet.classNames(), normalization).metadata(java.util.Map.of(Checkpoint.BRIGHTNESS_KEY, String.valueOf(brightness)));
                    }
                }
            });
            List<TrainingListener.EpochResult> history = fit.run(train, test, val);
            if (!leadProcess) {
                return 0;
            }
            report.finish(history, metricsFile);
            return 0;
        }
    }

    /** What the lead replica reports: a header when the run starts, a line per epoch, and the files and summary at the end. */
    private final class Report implements TrainingListener {
        private final Dataset train, val, test;
        private final boolean noTest;
        private final Schedule sched;
        private final Augmentation aug;
        private final long t0;
        private ParallelFit.Replica replica;
        private Progress progress;
        private MetricsFile metricsFile;
        private String modelName, deviceName;
        private long parameterCount;
        volatile Optimizer optimizer; // the metrics' learning rate, once the run has its optimiser
        private double trainSeconds;

        Report(Dataset train, Dataset val, Dataset test, boolean noTest, Schedule sched, Augmentation aug, long t0) {
            this.train = train;
            this.val = val;
            this.test = test;
            this.noTest = noTest;
            this.sched = sched;
            this.aug = aug;
            this.t0 = t0;
        }

        void lead(ParallelFit.Replica r, Fit.Builder fb, Progress progress, MetricsFile metricsFile) {
            this.replica = r;
            this.progress = progress;
            this.metricsFile = metricsFile;
            this.modelName = r.model().describe();
            this.deviceName = r.backend().name();
            this.parameterCount = r.model().parameterCount();
            fb.listener(this);
        }

        private int trainImages() {
            return (train.size() / batch) * batch;
        }

        @Override
        public void start(Fit fit) {
            optimizer = fit.optimizer();
            int world = replica.world();
            // three lines, each cut to a terminal's width (a log keeps them whole): the model, the device, the data and the run
            progress.header(List.of("train: " + modelName + " (" + String.format(java.util.Locale.ROOT, "%,d", parameterCount) + " parameters)",
                    "  on " + deviceName + (world == 1 ? "" : " and " + (world - 1) + " more replica" + (world > 2 ? "s" : "")
                            + (Mpi.launched() ? " (MPI ranks)" : " (devices " + devices + ")")),
                    String.format(java.util.Locale.ROOT, "  %d training images%s, %d %s; batch %d, %s%s", train.size(),
                            val == null ? "" : " (+" + val.size() + " validation)", test.size(), noTest ? "held out (no test set: they stand in for it)" : "test",
                            batch, fit.optimizer().describe() + (sched.kind().equals("constant") && warmup == 0 ? "" : ", schedule " + sched)
                                    + (aug == null ? "" : ", augment " + aug), frozenNote(replica.model()))));
            if (resume != null) {
                System.err.println("resuming " + resume);
            }
        }

        /** "; frozen: N of M parameters" when --freeze froze some. */
        private String frozenNote(Model m) {
            if (m.frozen().isEmpty()) {
                return "";
            }
            long frozenCount = m.params().stream().filter(p -> m.frozen().contains(p.name())).mapToLong(p -> p.param().value().shape().size()).sum();
            return String.format(java.util.Locale.ROOT, "; frozen: %,d of %,d parameters (%s)", frozenCount, m.parameterCount(), String.join(",", freeze));
        }

        @Override
        public void tuning(int index, int total, String what) {
            progress.tuning(index, total, what);
        }

        @Override
        public void tuned(int count, double seconds) {
            progress.tuned(count, seconds);
        }

        @Override
        public void startEpoch(int epoch) {
            progress.startEpoch(epoch);
        }

        @Override
        public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy) {
            progress.step(epoch, step, stepInEpoch, stepsPerEpoch, loss);
            metricsFile.step(epoch, step, stepInEpoch, stepsPerEpoch, loss, accuracy);
        }

        @Override
        public void epoch(EpochResult r) {
            metricsFile.epoch(r);
            trainSeconds += trainImages() / r.trainImagesPerSec();
            System.err.println(progress.epochLine(r));
        }

        void finish(List<EpochResult> history, MetricsFile metricsFile) throws java.io.IOException {
            if (replica.sync() instanceof MpiSync ms) {
                double[] t = ms.millisPerStep();
                System.err.printf(java.util.Locale.ROOT, "gradient exchange: %.2f ms per step (of which MPI_Allreduce %.2f ms), %d ranks, %,d gradient values%n",
                        t[0], t[1], replica.world(), parameterCount);
            }
            EpochResult last = history.get(history.size() - 1);
            if (save != null) {
                System.err.println("saved " + save + " (and " + TrainingState.stateFile(save).getFileName() + ")");
            }
            if (plot != null) {
                Plot.write(plot, metricsFile.steps, metricsFile.epochs, train.size() / batch);
                System.err.println("plotted " + plot);
            }
            Json summary = new Json().put("model", modelName).put("device", deviceName).put("epochs", epochs)
                    .put("train_loss", last.trainLoss()).put("train_accuracy", last.trainAccuracy()).put("test_loss", last.test().loss())
                    .put("test_accuracy", last.test().accuracy());
            if (last.validation() != null) {
                summary.put("val_loss", last.validation().loss()).put("val_accuracy", last.validation().accuracy());
            }
            if (noTest) {
                summary.put("test_set", "held out by --val-split " + valSplit);
            }
            summary.put("images_per_sec", trainImages() * history.size() / trainSeconds).put("seconds", (System.nanoTime() - t0) / 1e9);
            if (save != null) {
                summary.put("checkpoint", save.toString());
            }
            System.out.println(summary);
        }
    }

    /** What MPI ranks must share, each option by the name a user would change. */
    private RankAgreement agreement(Model net, Dataset train) {
        RankAgreement a = new RankAgreement().add("--model", net.describe()).add("parameter counts", String.valueOf(net.parameterCount()));
        for (NamedParam np : net.params()) {
            a.add("starting weights (--load, --seed)", np.name()).add("starting weights (--load, --seed)", net.backend().download(np.param().value()));
        }
        a.add("training data (--data, --limit, --val-split, --normalize)", train.sample() + "/" + train.classes() + "/" + java.util.Arrays.toString(train.labels()))
                .add("training data (--data, --limit, --val-split, --normalize)", train.images());
        Object[][] options = {{"--batch", batch}, {"--epochs", epochs}, {"--lr", lr}, {"--optimizer", optimizer}, {"--momentum", momentum},
                {"--nesterov", nesterov}, {"--weight-decay", weightDecay}, {"--l1", l1}, {"--schedule", schedule}, {"--warmup", warmup}, {"--augment", augment},
                {"--label-smoothing", labelSmoothing}, {"--freeze", freeze}, {"--image-size", imageSize}, {"--seed", seed}, {"--no-shuffle", noShuffle}, {"--sync-bn", syncBn},
                {"--resume", resume != null}};
        for (Object[] o : options) {
            a.add((String) o[0], String.valueOf(o[1]));
        }
        return a;
    }

    /** ImageNet's per-channel mean and standard deviation, as torchvision's pretrained weights were trained with. */
    static final double[][] IMAGENET = {{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};

    private static double[][] normalization(String how, Dataset train) {
        switch (how.toLowerCase(java.util.Locale.ROOT)) {
            case "data":
                return train.channelStats();
            case "imagenet":
                if (train.sample().dim(0) != 3) {
                    throw new IllegalArgumentException("--normalize imagenet: ImageNet's statistics are for three colour channels, and these images have "
                            + train.sample().dim(0) + "; use --normalize data");
                }
                return new double[][]{IMAGENET[0].clone(), IMAGENET[1].clone()};
            default:
                throw new IllegalStateException(how); // checked when the options are read
        }
    }

    /** The mean of every pixel value: the mean of the channels' means, as every plane has as many pixels. */
    private static double meanPixel(Dataset d) {
        double s = 0;
        double[] means = d.channelStats()[0];
        for (double m : means) {
            s += m;
        }
        return s / means.length;
    }

    /** An output that names the same file as another output, or as a file the run reads, would overwrite it: refused before anything runs. */
    private void checkNoCollisions() throws java.io.IOException {
        java.util.Map<String, Path> outputs = new java.util.LinkedHashMap<>();
        if (save != null) {
            outputs.put("--save", save);
            outputs.put("--save's state file", TrainingState.stateFile(save));
        }
        if (plot != null) {
            outputs.put("--plot", plot);
        }
        if (metrics != null) {
            outputs.put("--metrics", metrics);
        }
        java.util.Map<String, Path> seen = new java.util.LinkedHashMap<>();
        for (var o : outputs.entrySet()) {
            Path real = AtomicFiles.identity(o.getValue());
            for (var s : seen.entrySet()) {
                if (s.getValue().equals(real)) {
                    throw new IllegalArgumentException(o.getKey() + " " + o.getValue() + " names the same file as " + s.getKey()
                            + "; give each output its own file");
                }
            }
            seen.put(o.getKey(), real);
        }
        if (load != null) { // --save may replace what --load or --resume read (a run continued in place); nothing else may
            Path in = AtomicFiles.identity(load);
            for (String key : new String[]{"--plot", "--metrics"}) {
                if (in.equals(seen.get(key))) {
                    throw new IllegalArgumentException(key + " " + outputs.get(key) + " names the checkpoint the run starts from; give it its own file");
                }
            }
        }
    }

    private void validate() {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("--label-smoothing must lie in [0, 1), got " + labelSmoothing);
        }
        if (!optimizer.trim().equalsIgnoreCase("sgd")) {
            for (String opt : new String[]{"--momentum", "--nesterov"}) {
                if (spec != null && spec.commandLine().getParseResult().hasMatchedOption(opt)) {
                    throw new IllegalArgumentException(opt + " applies to --optimizer sgd only, not " + optimizer + "; drop it or use sgd");
                }
            }
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (!java.util.List.of("auto", "bar", "lines", "none").contains(progressMode)) {
            throw new IllegalArgumentException("--progress " + progressMode + ": expected bar, lines or none");
        }
        if (dataBudget != null && dataBudget < 1) {
            throw new IllegalArgumentException("--data-budget must be >= 1 (MiB), got " + dataBudget);
        }
        if (batch < 1 || evalBatch < 1) {
            throw new IllegalArgumentException("--batch and --eval-batch must be >= 1");
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        if (!(valSplit >= 0 && valSplit < 1)) {
            throw new IllegalArgumentException("--val-split must lie in [0, 1), got " + valSplit);
        }
    }
}
