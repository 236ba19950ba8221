package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.Param;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SGD (momentum, Nesterov), AdaGrad, Adam or AdamW over a model's trainable parameters,
 * updating as torch.optim does, with L2 weight decay (AdamW: decoupled). State lives on
 * the device. The learning rate may change between steps (a schedule sets it).
 */
public final class Optimizer implements AutoCloseable {
    public enum Kind { SGD, ADAGRAD, ADAM, ADAMW }

    private final Kind kind;
    private final float momentum, weightDecay;
    private float baseLr;
    private float lr;
    private final boolean nesterov;
    private final Backend b;
    private final List<Param> params = new ArrayList<>();
    private final List<Buf[]> state = new ArrayList<>();
    private int step;

    /**
     * What an optimiser is, by name: {@code Optimizer.Config.sgd(0.01f).withMomentum(0.9f)},
     * {@code Optimizer.Config.adam(1e-3f)}, {@code Optimizer.Config.adamw(1e-3f).withWeightDecay(0.01f)}.
     */
    public record Config(Kind kind, float lr, float momentum, boolean nesterov, float weightDecay, float l1) {
        /** Without L1 regularisation. */
        public Config(Kind kind, float lr, float momentum, boolean nesterov, float weightDecay) {
            this(kind, lr, momentum, nesterov, weightDecay, 0f);
        }

        public Config {
            if (!(l1 >= 0) || !Float.isFinite(l1)) {
                throw new IllegalArgumentException("the L1 strength must be >= 0, got " + l1);
            }
            if (!(lr > 0) || !Float.isFinite(lr)) {
                throw new IllegalArgumentException("the learning rate must be a positive number, got " + lr);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("the momentum must lie in [0, 1), got " + momentum);
            }
            if (momentum > 0 && kind != Kind.SGD) {
                throw new IllegalArgumentException("momentum applies to sgd only, not " + kind.name().toLowerCase(Locale.ROOT));
            }
            if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
                throw new IllegalArgumentException("the weight decay must be >= 0, got " + weightDecay);
            }
            if (nesterov && (kind != Kind.SGD || momentum == 0)) {
                throw new IllegalArgumentException("Nesterov momentum needs sgd with a momentum > 0");
            }
        }

        /** Plain SGD; add .withMomentum(m), .withNesterov(), .withWeightDecay(wd). */
        public static Config sgd(float lr) {
            return new Config(Kind.SGD, lr, 0f, false, 0f);
        }

        public static Config adam(float lr) {
            return new Config(Kind.ADAM, lr, 0f, false, 0f);
        }

        /** Adam with decoupled weight decay (set it with .withWeightDecay). */
        public static Config adamw(float lr) {
            return new Config(Kind.ADAMW, lr, 0f, false, 0f);
        }

        public static Config adagrad(float lr) {
            return new Config(Kind.ADAGRAD, lr, 0f, false, 0f);
        }

        public Config withMomentum(float m) {
            return new Config(kind, lr, m, nesterov, weightDecay, l1);
        }

        public Config withNesterov() {
            return new Config(kind, lr, momentum, true, weightDecay, l1);
        }

        public Config withWeightDecay(float wd) {
            return new Config(kind, lr, momentum, nesterov, wd, l1);
        }

        /** L1 regularisation: lambda * sign(w) added to the gradient of every convolution and linear weight (not biases or normalisation parameters). */
        public Config withL1(float lambda) {
            return new Config(kind, lr, momentum, nesterov, weightDecay, lambda);
        }
    }

    public Optimizer(Model model, Config c) {
        this(model, c.kind(), c.lr(), c.momentum(), c.nesterov(), c.weightDecay());
        this.l1 = c.l1();
        if (l1 > 0) {
            java.util.Set<Param> frozen = new java.util.HashSet<>();
            model.params().stream().filter(p -> model.frozen().contains(p.name())).forEach(p -> frozen.add(p.param()));
            for (io.github.clconv.nn.Layer layer : model.layers()) {
                if (layer instanceof io.github.clconv.nn.Conv2d || layer instanceof io.github.clconv.nn.Linear) {
                    layer.params().stream().filter(p -> p.name().equals("weight") && p.trainable() && !frozen.contains(p)).forEach(l1Targets::add);
                }
            }
        }
    }

    private float l1;
    /** The tensors L1 regularises: convolution and linear weights. */
    private final List<Param> l1Targets = new ArrayList<>();

    public Optimizer(Model model, Kind kind, float lr, float momentum, boolean nesterov, float weightDecay) {
        new Config(kind, lr, kind == Kind.SGD ? momentum : 0f, nesterov, weightDecay); // checks the values
        this.kind = kind;
        this.baseLr = lr;
        this.lr = lr;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        this.b = model.backend();
        // One launch per step over the flat buffers where the model has them and nothing is frozen, else one per tensor
        // that trains: a frozen tensor gets no update and no state
        java.util.Set<String> frozen = model.frozen();
        model.flatTrainable().filter(f -> frozen.isEmpty()).ifPresentOrElse(params::add,
                () -> model.params().stream().filter(p -> p.param().trainable() && !frozen.contains(p.name())).map(NamedParam::param).forEach(params::add));
        for (Param p : params) {
            Buf s1 = b.zeros(p.value().shape());
            state.add(kind == Kind.ADAM || kind == Kind.ADAMW ? new Buf[]{s1, b.zeros(p.value().shape())} : new Buf[]{s1});
        }
    }

    public static Kind kind(String name) {
        try {
            return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optimizer '" + name + "': expected sgd, adagrad, adam or adamw");
        }
    }

    /** Its state tensors (momentum, or Adam's moments), in a fixed order, for TrainingState. */
    List<Buf> stateBuffers() {
        List<Buf> out = new ArrayList<>();
        state.forEach(s -> out.addAll(List.of(s)));
        return out;
    }

    int stepCount() {
        return step;
    }

    void stepCount(int step) {
        this.step = step;
    }

    public Kind kind() {
        return kind;
    }

    /** The learning rate of the next step. */
    public float learningRate() {
        return lr;
    }

    /** The rate the optimiser was made with, which a schedule scales. */
    public float baseLearningRate() {
        return baseLr;
    }

    /** Scales the base rate (and the current one) by factor: what a schedule scales from now on is the lower rate (reduce-on-plateau). */
    public void scaleBaseLearningRate(float factor) {
        if (!(factor > 0) || !Float.isFinite(factor)) {
            throw new IllegalArgumentException("learning-rate factor must be a finite number > 0, got " + factor);
        }
        baseLr *= factor;
        setLearningRate(lr * factor);
    }

    public void setLearningRate(float lr) {
        if (!(lr >= 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + lr);
        }
        this.lr = lr;
    }

    public String describe() {
        String l1s = l1 > 0 ? ", l1=" + l1 : "";
        return switch (kind) {
            case SGD -> "sgd(lr=" + lr + ", momentum=" + momentum + (nesterov ? ", nesterov" : "") + ", weight_decay=" + weightDecay + l1s + ")";
            case ADAGRAD -> "adagrad(lr=" + lr + ", weight_decay=" + weightDecay + l1s + ")";
            case ADAM -> "adam(lr=" + lr + ", betas=(0.9, 0.999), weight_decay=" + weightDecay + l1s + ")";
            case ADAMW -> "adamw(lr=" + lr + ", betas=(0.9, 0.999), weight_decay=" + weightDecay + ", decoupled" + l1s + ")";
        };
    }

    /** One update of every parameter from its gradient. */
    public void step() {
        step++;
        for (Param p : l1Targets) {
            b.l1Gradient(p.value(), p.grad(), l1);
        }
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            Buf[] s = state.get(i);
            switch (kind) {
                case SGD -> b.sgdUpdate(p.value(), p.grad(), s[0], lr, momentum, weightDecay, nesterov);
                case ADAGRAD -> b.adagradUpdate(p.value(), p.grad(), s[0], lr, weightDecay, 1e-10f);
                case ADAM, ADAMW -> b.adamUpdate(p.value(), p.grad(), s[0], s[1], lr, 0.9f, 0.999f, 1e-8f, weightDecay, kind == Kind.ADAMW, step);
            }
        }
    }

    @Override
    public void close() {
        state.forEach(s -> {
            for (Buf x : s) {
                x.close();
            }
        });
        state.clear();
    }
}
