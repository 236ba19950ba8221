package io.github.clconv.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.nn.Model;
import io.github.clconv.train.Augmentation;
import io.github.clconv.train.Evaluation;
import io.github.clconv.train.Fit;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.Schedule;
import io.github.clconv.train.SearchSpace;
import io.github.clconv.train.TrainingListener;
import io.github.clconv.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search hyperparameters: each trial trains on the training set less a validation split (--val-split) or in k folds"
                + " (--folds K, each image validated once, accuracies averaged), never on the test set. --lr, --weight-decay, --l1, --momentum and"
                + " --label-smoothing each take a number, a range LO:HI or LO:HI:log, or a list a,b,c; --trials N draws N random trials,"
                + " without it every combination of lists is a trial (a grid).",
                "Every finished trial goes to --log; run the same search again to resume it. The last line on stdout is a JSON summary."})
final class SearchCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--data", description = "Data folder, as for train. Default: /usr/share/datasets/fashion-mnist.")
    Path data = Dataset.DEFAULT_DIR;
    @Option(names = "--image-size", paramLabel = "N", description = "An image folder's photos become N x N: the shorter side resized"
            + " (bilinear, antialiased) to N/0.875 and the centre cropped, as torchvision evaluates; an N x N image is used as it is."
            + " Default: the images' own size when they all share one, else 224.")
    int imageSize;
    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "lenet", description = "Model spec or preset, as for train. Default: ${DEFAULT-VALUE}.")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per trial (and per fold). Default: ${DEFAULT-VALUE}.")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "Mini-batch size. Default: ${DEFAULT-VALUE}.")
    int batch;
    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, adagrad, adam or adamw. Default: ${DEFAULT-VALUE}.")
    String optimizer;
    @Option(names = "--lr", defaultValue = "0.01", paramLabel = "V|LO:HI[:log]|a,b", description = "Learning rate. Default: ${DEFAULT-VALUE}.")
    String lr;
    @Option(names = "--momentum", defaultValue = "0.9", paramLabel = "V|LO:HI|a,b", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    String momentum;
    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "V|LO:HI[:log]|a,b", description = "L2 weight decay. Default: ${DEFAULT-VALUE}.")
    String weightDecay;
    @Option(names = "--l1", defaultValue = "0", paramLabel = "V|LO:HI[:log]|a,b", description = "L1 regularisation. Default: ${DEFAULT-VALUE}.")
    String l1;
    @Option(names = "--label-smoothing", defaultValue = "0", paramLabel = "V|LO:HI|a,b", description = "Label smoothing. Default: ${DEFAULT-VALUE}.")
    String labelSmoothing;
    @Option(names = "--schedule", defaultValue = "constant", description = "Learning-rate schedule, as for train. Default: ${DEFAULT-VALUE}.")
    String schedule;
    @Option(names = "--augment", paramLabel = "A", description = "Augmentation, as for train.")
    String augment;
    @Option(names = "--limit", description = "Use only the first N training images.")
    Integer limit;
    @Option(names = "--trials", description = "Random trials to draw (without it: a grid over the lists).")
    Integer trials;
    @Option(names = "--folds", defaultValue = "0", paramLabel = "K", description = "K-fold cross-validation (K >= 2) instead of one validation split.")
    int folds;
    @Option(names = "--val-split", defaultValue = "0.1", paramLabel = "F", description = "Validation share when --folds is not given. Default: ${DEFAULT-VALUE}.")
    double valSplit;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of the trials' draws, the splits and every training. Default: ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--log", defaultValue = "runs/search.jsonl", description = "Where finished trials are kept (JSON lines); the same search resumes from it."
            + " Default: ${DEFAULT-VALUE}.")
    Path log;
    @Option(names = "--train-best", description = "Then train on the whole training set with the best settings and report the test accuracy once.")
    boolean trainBest;
    @Option(names = "--save", paramLabel = "F", description = "With --train-best: save that model here.")
    Path save;

    private static final String[] SEARCHED = {"lr", "momentum", "weight_decay", "l1", "label_smoothing"};

    @Override
    public Integer call() throws Exception {
        if (epochs < 1 || batch < 1) {
            throw new IllegalArgumentException("--epochs and --batch must be >= 1");
        }
        if (folds == 1 || folds < 0 || folds > 100) {
            throw new IllegalArgumentException("--folds " + folds + ": expected 2 to 100 (or leave it out for one validation split)");
        }
        if (!(valSplit > 0 && valSplit < 1)) {
            throw new IllegalArgumentException("--val-split must lie in (0, 1), got " + valSplit);
        }
        if (trials != null && (trials < 1 || trials > 100_000)) {
            throw new IllegalArgumentException("--trials must lie in [1, 100000], got " + trials);
        }
        if (save != null && !trainBest) {
            throw new IllegalArgumentException("--save keeps the --train-best model; pass --train-best too");
        }
        space = new SearchSpace();
        String[] texts = {lr, momentum, weightDecay, l1, labelSmoothing};
        for (int i = 0; i < SEARCHED.length; i++) {
            space.add("--" + SEARCHED[i].replace('_', '-'), texts[i]);
        }
        Optimizer.Kind kind = Optimizer.kind(optimizer);
        List<Map<String, Double>> plan = trials != null ? space.random(trials, seed) : space.grid();
        if (plan.size() > 100_000) {
            throw new IllegalArgumentException("the grid has " + plan.size() + " combinations; pass --trials N for a random search");
        }
        Schedule sched = Schedule.parse(schedule, 0);
        Augmentation aug = Augmentation.parse(augment);
        AtomicFiles.checkWritable(log, true);
        if (save != null) {
            AtomicFiles.checkWritable(save);
        }
        Dataset[] sets = Dataset.load(data, imageSize);
        Dataset train = limit != null ? sets[0].limit(limit) : sets[0], test = sets[1];
        String identity = identity(train);
        Map<Integer, JsonObject> done = resume(identity, plan.size());
        int k = folds >= 2 ? folds : 1;
        System.err.printf(Locale.ROOT, "search: %d %s trials of %s, %s, %d epoch%s each, on %d training images; log %s%s%n", plan.size(),
                trials != null ? "random" : "grid", model, k > 1 ? k + "-fold cross-validation" : "validation split " + valSplit, epochs,
                epochs == 1 ? "" : "s", train.size(), log, done.isEmpty() ? "" : " (" + done.size() + " trials done before, kept)");
        List<JsonObject> results = new ArrayList<>();
        try (Backend b = Backends.open(device)) {
            for (int t = 0; t < plan.size(); t++) {
                Map<String, Double> v = plan.get(t);
                JsonObject r = done.get(t);
                if (r == null) {
                    r = trial(b, t, plan.size(), v, train, k, kind, sched, aug);
                    append(r);
                } else {
                    System.err.printf(Locale.ROOT, "trial %d/%d  %s  (from the log)%n", t + 1, plan.size(), SearchSpace.describe(v));
                }
                results.add(r);
            }
            int best = 0;
            for (int t = 1; t < results.size(); t++) {
                if (results.get(t).get("val_accuracy").getAsDouble() > results.get(best).get("val_accuracy").getAsDouble()) {
                    best = t;
                }
            }
            printTable(plan, results, best);
            Json summary = new Json().put("trials", results.size()).put("folds", k).put("best_trial", best + 1)
                    .put("best", settings(plan.get(best))).put("best_val_accuracy", results.get(best).get("val_accuracy").getAsDouble())
                    .put("log", log.toString());
            List<Object> all = new ArrayList<>();
            for (int t = 0; t < results.size(); t++) {
                all.add(new Json().put("trial", t + 1).put("settings", settings(plan.get(t))).put("val_accuracy", results.get(t).get("val_accuracy").getAsDouble())
                        .put("val_loss", results.get(t).get("val_loss").getAsDouble()));
            }
            summary.put("results", all);
            if (trainBest) {
                Evaluation e = trainBest(b, plan.get(best), train, test, kind, sched, aug);
                summary.put("test_accuracy", e.accuracy()).put("test_loss", e.loss());
            }
            System.out.println(summary);
        }
        return 0;
    }

    private static Json settings(Map<String, Double> v) {
        Json j = new Json();
        v.forEach(j::put);
        return j;
    }

    /** What a log must match to be resumed: every option but the log's own name and --train-best. */
    private String identity(Dataset train) {
        return String.join("|", model, String.valueOf(epochs), String.valueOf(batch), optimizer, lr, momentum, weightDecay, l1, labelSmoothing, schedule,
                String.valueOf(augment), String.valueOf(trials), String.valueOf(folds), String.valueOf(valSplit), String.valueOf(seed),
                train.size() + "/" + train.sample() + "/" + java.util.Arrays.hashCode(train.labels()));
    }

    /** The trials a log of this same search holds, by index; a log of another search is refused. */
    private Map<Integer, JsonObject> resume(String identity, int planned) throws IOException {
        Map<Integer, JsonObject> done = new LinkedHashMap<>();
        if (!Files.exists(log) || Files.size(log) == 0) {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.writeString(log, new Json().put("search", identity) + "\n", StandardCharsets.UTF_8);
            return done;
        }
        io.github.clconv.util.InputFiles.checkReadable(log);
        if (Files.size(log) > 64L << 20) {
            throw new IOException(log + ": " + Files.size(log) + " bytes is no search log; pass another --log");
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        try {
            JsonObject head = JsonParser.parseString(lines.get(0)).getAsJsonObject();
            if (!identity.equals(head.get("search").getAsString())) {
                throw new IllegalArgumentException(log + " holds another search (other options or data); pass another --log, or delete it to start over");
            }
            for (int i = 1; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.isBlank()) {
                    continue;
                }
                JsonObject r;
                try {
                    r = JsonParser.parseString(l).getAsJsonObject();
                } catch (RuntimeException cut) {
                    if (i == lines.size() - 1) { // the last line of a search stopped while writing it: dropped, that trial runs again
                        List<String> whole = lines.subList(0, i);
                        AtomicFiles.write(log, out -> out.write((String.join("\n", whole) + "\n").getBytes(StandardCharsets.UTF_8)));
                        continue;
                    }
                    throw cut;
                }
                int t = r.get("trial").getAsInt() - 1;
                if (t >= 0 && t < planned && r.has("val_accuracy") && r.has("val_loss")) {
                    done.put(t, r);
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith(log.toString())) {
                throw e;
            }
            throw new IOException(log + ": not a search log (" + e.getMessage() + "); pass another --log, or delete it to start over");
        }
        return done;
    }

    private void append(JsonObject r) throws IOException {
        Files.writeString(log, r + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // one whole line per finished trial
    }

    private SearchSpace space;

    private float value(Map<String, Double> v, String name) {
        return (float) space.value(v, name);
    }

    private Optimizer.Config config(Optimizer.Kind kind, Map<String, Double> v) {
        float m = kind == Optimizer.Kind.SGD ? value(v, "--momentum") : 0f;
        return new Optimizer.Config(kind, value(v, "--lr"), m, false, value(v, "--weight-decay"), value(v, "--l1"));
    }

    private JsonObject trial(Backend b, int t, int of, Map<String, Double> v, Dataset train, int k, Optimizer.Kind kind, Schedule sched,
                             Augmentation aug) throws IOException {
        long t0 = System.nanoTime();
        double accSum = 0, lossSum = 0;
        List<Object> perFold = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            int[][] split;
            if (k > 1) {
                split = SearchSpace.fold(train.size(), k, f, seed ^ 0x5EA7C4L);
            } else { // the end of one seeded shuffle, as train's --val-split
                int[] order = io.github.clconv.data.Permutation.shuffled(train.size(), new Random(seed ^ 0xA5A5A5A5L));
                int keep = (int) Math.round(train.size() * (1 - valSplit));
                split = new int[][]{java.util.Arrays.copyOfRange(order, keep, order.length), java.util.Arrays.copyOf(order, keep)};
            }
            if (split[0].length == 0 || split[1].length < batch) {
                throw new IllegalArgumentException(train.size() + " training images leave " + split[1].length + " to train and " + split[0].length
                        + " to validate; use more images, fewer folds or a smaller --batch");
            }
            Dataset tr = train.select("train", split[1], 0, split[1].length), va = train.select("validation", split[0], 0, split[0].length);
            try (Model net = Models.open(model, null, tr.sample(), Math.max(train.classes(), 1), b, seed + t);
                 Fit fit = Fit.builder(net, config(kind, v)).batch(batch).epochs(epochs).seed(seed + t).labelSmoothing(value(v, "--label-smoothing"))
                         .schedule(sched).augment(aug).build()) {
                Models.checkFits(net, train.classes());
                List<TrainingListener.EpochResult> h = fit.run(tr, va);
                Evaluation e = h.get(h.size() - 1).test();
                accSum += e.accuracy();
                lossSum += e.loss();
                perFold.add(e.accuracy());
                System.err.printf(Locale.ROOT, "trial %d/%d  %s  %s val accuracy %.4f, loss %.4f%n", t + 1, of, SearchSpace.describe(v),
                        k > 1 ? "fold " + (f + 1) + "/" + k + ":" : "", e.accuracy(), e.loss());
            }
        }
        JsonObject r = new JsonObject();
        r.addProperty("trial", t + 1);
        r.add("settings", JsonParser.parseString(settings(v).toString()));
        r.addProperty("val_accuracy", accSum / k);
        r.addProperty("val_loss", lossSum / k);
        r.add("folds", JsonParser.parseString(new Json().put("accuracy", perFold).toString()).getAsJsonObject().get("accuracy"));
        r.addProperty("seconds", (System.nanoTime() - t0) / 1e9);
        return r;
    }

    private static void printTable(List<Map<String, Double>> plan, List<JsonObject> results, int best) {
        System.err.printf(Locale.ROOT, "%n%-6s %-60s %12s %10s%n", "trial", "settings", "val accuracy", "val loss");
        for (int t = 0; t < results.size(); t++) {
            System.err.printf(Locale.ROOT, "%-6d %-60s %12.4f %10.4f%s%n", t + 1, SearchSpace.describe(plan.get(t)), results.get(t).get("val_accuracy").getAsDouble(),
                    results.get(t).get("val_loss").getAsDouble(), t == best ? "  <- best" : "");
        }
    }

    private Evaluation trainBest(Backend b, Map<String, Double> v, Dataset train, Dataset test, Optimizer.Kind kind, Schedule sched, Augmentation aug)
            throws IOException {
        if (test == null) {
            throw new IllegalArgumentException(data + " has no test set to report the best settings on; drop --train-best");
        }
        System.err.println("training the best settings (" + SearchSpace.describe(v) + ") on all " + train.size() + " training images");
        try (Model net = Models.open(model, null, train.sample(), Math.max(train.classes(), test.classes()), b, seed);
             Fit fit = Fit.builder(net, config(kind, v)).batch(batch).epochs(epochs).seed(seed).labelSmoothing(value(v, "--label-smoothing"))
                     .schedule(sched).augment(aug).build()) {
            List<TrainingListener.EpochResult> h = fit.run(train, test);
            Evaluation e = h.get(h.size() - 1).test();
            System.err.printf(Locale.ROOT, "test accuracy %.4f, loss %.4f (the test set's one use)%n", e.accuracy(), e.loss());
            if (save != null) {
                fit.saveModel(save);
                System.err.println("saved " + save);
            }
            return e;
        }
    }
}
