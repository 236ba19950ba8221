package io.github.clconv.train;

import com.google.gson.JsonObject;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.Dropout;
import io.github.clconv.nn.Layer;
import io.github.clconv.nn.Model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a run needs beyond the model to continue exactly where it stopped, in F.state.safetensors
 * beside the model file F.safetensors (which stays a plain PyTorch state_dict): the optimiser's
 * tensors and step count, the epoch and step reached, the dropout layers' random state and the
 * size of the training set. Both files carry one generation id; the state file is written
 * first, so a crash between the two writes leaves a pair whose ids differ, which resume refuses
 * instead of pairing a new model with an old state.
 */
public final class TrainingState {
    static final String GENERATION = "clconv.generation", EPOCH = "clconv.state.epoch", STEP = "clconv.state.step",
            OPT_STEP = "clconv.state.optimizer_step", OPTIMIZER = "clconv.state.optimizer", TRAIN_SIZE = "clconv.state.train_size",
            DROPOUT = "clconv.state.dropout";

    /** What resume() restored: the epochs done and the steps taken. */
    public record Position(int epoch, int step) {
    }

    private TrainingState() {
    }

    /** F.state.safetensors for F.safetensors (or F + .state.safetensors). */
    public static Path stateFile(Path model) {
        String name = model.getFileName().toString();
        String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return model.resolveSibling(base + ".state.safetensors");
    }

    /** Writes the state, then the model (with classNames and normalization as Checkpoint.save takes them). */
    public static void save(Path model, Model net, Optimizer opt, Trainer trainer, int epoch, int trainSize, List<String> classNames,
                            double[][] normalization) throws IOException {
        save(model, net, opt, trainer, epoch, trainSize, classNames, normalization, Map.of());
    }

    /** metadata: more entries for the model file's header (the training images' mean brightness, for predict). */
    public static void save(Path model, Model net, Optimizer opt, Trainer trainer, int epoch, int trainSize, List<String> classNames,
                            double[][] normalization, Map<String, String> metadata) throws IOException {
        String generation = UUID.randomUUID().toString();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "clconv-state");
        meta.addProperty(GENERATION, generation);
        meta.addProperty(EPOCH, String.valueOf(epoch));
        meta.addProperty(STEP, String.valueOf(trainer.steps()));
        meta.addProperty(OPT_STEP, String.valueOf(opt.stepCount()));
        meta.addProperty(OPTIMIZER, opt.kind().name());
        meta.addProperty(TRAIN_SIZE, String.valueOf(trainSize));
        StringBuilder dropout = new StringBuilder();
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Dropout d) {
                long[] r = d.randomState();
                dropout.append(dropout.length() == 0 ? "" : ",").append(i).append(':').append(r[0]).append(':').append(r[1]);
            }
        }
        meta.addProperty(DROPOUT, dropout.toString());
        List<Checkpoint.Entry> entries = new ArrayList<>();
        List<Buf> state = opt.stateBuffers();
        for (int i = 0; i < state.size(); i++) {
            Buf s = state.get(i);
            entries.add(Checkpoint.tensor("optimizer." + i, s.shape().dims(), net.backend().download(s)));
        }
        Checkpoint.write(stateFile(model), meta, entries);
        Map<String, String> extra = new java.util.LinkedHashMap<>(metadata);
        extra.put(GENERATION, generation);
        Checkpoint.save(net, model, classNames, normalization, extra);
    }

    /** Restores what save() wrote into a model already loaded from model (and its optimiser and trainer); returns the position. */
    public static Position resume(Path model, Checkpoint.Contents modelContents, Model net, Optimizer opt, Trainer trainer, int trainSize)
            throws IOException {
        Path f = stateFile(model);
        Checkpoint.Contents c;
        try {
            c = Checkpoint.read(f);
        } catch (IOException e) {
            throw new IOException("cannot resume " + model + ": its training state " + f + " cannot be read (" + e.getMessage()
                    + "); start from the model alone instead (--load on the command line)");
        }
        Map<String, String> m = c.metadata();
        String generation = m.get(GENERATION);
        if (generation == null || !generation.equals(modelContents.metadata().get(GENERATION))) {
            throw new IOException("cannot resume " + model + ": " + f + " was saved with another version of the model (a save was cut short?);"
                    + " start from the model alone instead (--load on the command line)");
        }
        if (!opt.kind().name().equals(m.get(OPTIMIZER))) {
            throw new IOException("cannot resume " + model + ": the run used the optimizer " + String.valueOf(m.get(OPTIMIZER)).toLowerCase(java.util.Locale.ROOT)
                    + ", not " + opt.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        int epoch = integer(m, EPOCH, f), step = integer(m, STEP, f), optStep = integer(m, OPT_STEP, f), size = integer(m, TRAIN_SIZE, f);
        if (size != trainSize) {
            throw new IOException("cannot resume " + model + ": the run trained on " + size + " images, this one has " + trainSize
                    + "; resume on the same training set (--data, --limit and --val-split on the command line)");
        }
        List<Buf> state = opt.stateBuffers();
        for (int i = 0; i < state.size(); i++) {
            float[] v = c.tensors().get("optimizer." + i);
            if (v == null || v.length != state.get(i).shape().size()) {
                throw new IOException(f + ": optimizer tensor " + i + " is missing or of the wrong size for this model");
            }
            net.backend().write(state.get(i), v);
        }
        String dropout = m.getOrDefault(DROPOUT, "");
        List<Layer> layers = net.layers();
        for (String part : dropout.isEmpty() ? new String[0] : dropout.split(",")) {
            try {
                String[] p = part.split(":");
                int layer = Integer.parseInt(p[0]);
                ((Dropout) layers.get(layer)).randomState(Long.parseLong(p[1]), Long.parseLong(p[2]));
            } catch (RuntimeException e) {
                throw new IOException(f + ": bad dropout state '" + part + "'");
            }
        }
        opt.stepCount(optStep);
        trainer.resume(epoch, step, trainSize);
        return new Position(epoch, step);
    }

    /** More epochs or steps than any run takes: a counter beyond it is corrupt (Integer.MAX_VALUE steps overflowed at the next one). */
    static final int MAX_COUNT = 1_000_000_000;

    private static int integer(Map<String, String> m, String key, Path f) throws IOException {
        int v;
        try {
            v = Integer.parseInt(m.get(key));
        } catch (RuntimeException e) {
            v = -1;
        }
        if (v < 0 || v > MAX_COUNT) {
            throw new IOException(f + ": " + key + " is " + (m.get(key) == null ? "missing" : "'" + m.get(key) + "'") + ", not a whole number in [0, "
                    + MAX_COUNT + "]; the state file is damaged: start from the model alone instead (--load on the command line)");
        }
        return v;
    }
}
