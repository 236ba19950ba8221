package io.github.clconv.nn;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Layers applied in order, as PyTorch's nn.Sequential: parameters are named
 * "index.name" counting every layer, activations included ("0.weight", "3.bias").
 */
public final class Sequential implements Model {
    private final List<Layer> layers;
    private final Shape input;
    private final Backend backend;
    private PackedParams packed;
    private final GradientPool pool = new GradientPool();
    private java.util.Set<String> frozen = java.util.Set.of();
    /** Per layer: it or a layer before it trains; whether it runs as in inference (a frozen batch norm). Null: all train. */
    private boolean[] live, inference;

    /** Builds every layer on b for inputs of shape [N, ...input], initialised from seed. */
    public Sequential(List<Layer> layers, Shape input, Backend b, Init init, long seed) {
        this.layers = List.copyOf(layers);
        this.input = input;
        this.backend = b;
        Random rnd = new Random(seed);
        Shape s = input;
        try {
            for (Layer l : layers) {
                Shape out = l.outputShape(s);
                l.build(b, s, init, rnd);
                s = out;
            }
            packTrainable();
            layers.forEach(l -> l.share(pool));
            fuse();
        } catch (RuntimeException e) {
            close(); // a bad spec or a device out of memory leaves no buffers behind
            throw e;
        }
    }

    /** Each layer is read by the next alone, except a relu before a max pool: forward runs that pool first. */
    private void fuse() {
        List<Fusion.Link> links = new ArrayList<>();
        for (int i = 0; i + 1 < layers.size(); i++) {
            if (!reluBeforeMaxPool(i + 1) || layers.get(i) instanceof Conv2d) { // a convolution applies it for nothing as it stores
                links.add(new Fusion.Link(layers.get(i), layers.get(i + 1)));
            }
        }
        Fusion.apply(links);
    }

    private void packTrainable() {
        packed = PackedParams.pack(backend, layers);
    }

    @Override
    public Optional<Param> flatTrainable() {
        return packed == null ? Optional.empty() : Optional.of(packed.flat());
    }

    public static Sequential of(ModelSpec spec, Shape input, Backend b, long seed) {
        List<Layer> layers = spec.layers(input);
        return new Sequential(layers, input, b, Init.forLayers(layers), seed);
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    @Override
    public Shape input() {
        return input;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public Shape output() {
        Shape s = input;
        for (Layer l : layers) {
            s = l.outputShape(s);
        }
        return s;
    }

    @Override
    public String spec() {
        return String.join("-", layers.stream().map(Layer::spec).toList());
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        Buf h = x;
        for (int i = 0; i < layers.size(); i++) {
            int pool = training ? -1 : pooledAfter(i);
            if (pool > 0) {
                Buf pooled = ((Conv2d) layers.get(i)).forwardMaxPool(h);
                if (pooled != null) { // the activation between passed values through: the convolution applied it
                    h = pooled;
                    i = pool;
                    continue;
                }
            }
            if (reluBeforeMaxPool(i)) {
                // relu(max(window)) = max(relu(window)) exactly, and the gradients agree too
                // (both vanish where a window's maximum is <= 0); after the pool, relu
                // touches a quarter of the values (2x2), so the pool runs first
                h = layers.get(i + 1).forward(h, training);
                h = layers.get(i).forward(h, training);
                i++;
                continue;
            }
            h = layers.get(i).forward(h, training && (inference == null || !inference[i]));
        }
        return h;
    }

    /**
     * Where layer i is a convolution that a 2x2 max pool follows, directly or after an activation
     * it applies itself (Fusion), the pool's index: at inference the convolution may pool as it
     * stores. -1 elsewhere.
     */
    private int pooledAfter(int i) {
        if (!(layers.get(i) instanceof Conv2d)) {
            return -1;
        }
        int j = i + 1;
        if (j < layers.size() && layers.get(j) instanceof ActivationLayer a && a.passesThrough()) {
            j++;
        }
        return j < layers.size() && layers.get(j) instanceof Pool2d p && p.isMax2x2() ? j : -1;
    }

    private boolean reluBeforeMaxPool(int i) {
        return i + 1 < layers.size() && layers.get(i) instanceof ActivationLayer a && a.kind == Activation.RELU
                && layers.get(i + 1) instanceof Pool2d p && p.max;
    }

    @Override
    public void backward(Buf dOut) {
        Buf d = dOut;
        for (int i = layers.size() - 1; i >= 0 && (live == null || live[i]); i--) {
            if (i >= 1 && reluBeforeMaxPool(i - 1)) { // forward ran the pool (i) before the relu (i - 1)
                d = back(i - 1, d, true);
                d = back(i, d, i - 1 > 0 && (live == null || live[i - 2]));
                i--;
                continue;
            }
            d = back(i, d, i > 0 && (live == null || live[i - 1]));
        }
        pool.give(d);
        pool.endPass();
    }

    /** The pool the layers' gradients come from (tests count it). */
    GradientPool gradients() {
        return pool;
    }

    /** Layer i's backward, after which dy is read no more. */
    private Buf back(int i, Buf dy, boolean needDx) {
        Buf dx = layers.get(i).backward(dy, needDx);
        pool.give(dy);
        return dx;
    }

    @Override
    public void freeze(java.util.Set<String> names) {
        boolean[] l = new boolean[layers.size()], inf = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            boolean upstream = i > 0 && l[i - 1];
            inf[i] = Freezing.inference(layers.get(i), String.valueOf(i), names, upstream);
            l[i] = upstream || Freezing.trains(layers.get(i), String.valueOf(i), names);
            layers.get(i).frozen(Freezing.local(names, String.valueOf(i)));
        }
        frozen = java.util.Set.copyOf(names);
        live = names.isEmpty() ? null : l;
        inference = names.isEmpty() ? null : inf;
    }

    @Override
    public java.util.Set<String> frozen() {
        return frozen;
    }

    /** Every tensor with its state_dict name, in layer order. */
    @Override
    public List<NamedParam> params() {
        List<NamedParam> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            for (Param p : layers.get(i).params()) {
                out.add(new NamedParam(i + "." + p.name(), p));
            }
        }
        return out;
    }

    @Override
    public void close() {
        layers.forEach(Layer::close);
        pool.close();
        if (packed != null) {
            packed.close();
        }
    }

    @Override
    public long multiplyAdds() {
        long total = 0;
        Shape in = input;
        for (Layer l : layers) {
            total += l.multiplyAdds(in);
            in = l.outputShape(in);
        }
        return total;
    }

    @Override
    public String summary() {
        List<Summary.Row> rows = new java.util.ArrayList<>();
        Shape in = input;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Shape out = l.outputShape(in);
            rows.add(new Summary.Row(String.valueOf(i), l.spec(), out, Summary.params(l, in)));
            in = out;
        }
        return Summary.table(describe(), input, rows);
    }

    @Override
    public String toString() {
        return "Sequential " + describe() + " " + input + " -> " + output() + ", " + parameterCount() + " parameters";
    }
}
