package io.github.clconv.nn;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A directed acyclic graph of layers: residual sums (add) and concatenation along channels
 * (concat) beside plain layers, shapes inferred from the input. A layer node's name is the
 * prefix of its tensors' state_dict names ("layer1.0.conv1" gives "layer1.0.conv1.weight"),
 * so a graph can carry a PyTorch module's names exactly.
 *
 * <pre>
 * Graph.Builder g = new Graph.Builder();
 * Graph.Node x = g.input();
 * Graph.Node h = g.layer("conv1", new Conv2d(16, 3, 1, 1, 1, false), x);
 * h = g.layer("bn1", new BatchNorm(), h);
 * Graph.Node y = g.layer("relu", new ActivationLayer(Activation.RELU, 0f), g.add(h, x));
 * try (Graph net = g.build(y, Shape.of(16, 32, 32), backend, 42L)) { ... }
 * </pre>
 *
 * Backward runs the nodes in reverse; a tensor read by several nodes gets the sum of their
 * gradients, added in a fixed order.
 */
public final class Graph implements Model {
    public enum Kind { INPUT, LAYER, ADD, CONCAT }

    /** A node of a builder: made only by Builder's methods, in an order in which every input comes first. */
    public static final class Node {
        final int id;
        final String name;
        final Kind kind;
        final Layer layer;
        final List<Node> inputs;
        final Builder owner;

        private Node(Builder owner, int id, String name, Kind kind, Layer layer, List<Node> inputs) {
            this.owner = owner;
            this.id = id;
            this.name = name;
            this.kind = kind;
            this.layer = layer;
            this.inputs = List.copyOf(inputs);
        }

        public String name() {
            return name;
        }

        public int id() {
            return id;
        }

        public Kind kind() {
            return kind;
        }

        /** The layer of a LAYER node, else null. */
        public Layer layer() {
            return layer;
        }

        public List<Node> inputs() {
            return inputs;
        }
    }

    /** Collects nodes; build() makes a Graph of them. Layers given to a builder belong to the graph it builds. */
    public static final class Builder {
        private final List<Node> nodes = new ArrayList<>();
        private final Set<String> names = new HashSet<>();

        public Builder() {
            nodes.add(new Node(this, 0, "input", Kind.INPUT, null, List.of()));
        }

        public Node input() {
            return nodes.get(0);
        }

        List<Node> nodes() {
            return nodes;
        }

        /** name: the state_dict prefix of the layer's tensors; unique within the graph. */
        public Node layer(String name, Layer layer, Node in) {
            if (name == null || name.isEmpty() || !names.add(name)) {
                throw new IllegalArgumentException("graph: layer name '" + name + "' is empty or used twice");
            }
            return node(name, Kind.LAYER, layer, List.of(in));
        }

        /** The element-wise sum of two nodes of the same shape (a residual connection). */
        public Node add(Node a, Node b) {
            return node("add" + nodes.size(), Kind.ADD, null, List.of(a, b));
        }

        /** The nodes' outputs side by side along channels, in the order given; they agree in every other dimension. */
        public Node concat(Node... in) {
            if (in.length < 1) {
                throw new IllegalArgumentException("graph: concat needs at least one input");
            }
            return node("concat" + nodes.size(), Kind.CONCAT, null, List.of(in));
        }

        private Node node(String name, Kind kind, Layer layer, List<Node> inputs) {
            for (Node n : inputs) {
                if (n == null || n.owner != this) {
                    throw new IllegalArgumentException("graph: an input of " + name + " is not a node of this builder");
                }
            }
            Node n = new Node(this, nodes.size(), name, kind, layer, inputs);
            nodes.add(n);
            return n;
        }

        /** Every node's output shape per sample for this input shape; throws naming the node whose shapes do not fit. */
        private Shape[] shapes(Shape input) {
            Shape[] s = new Shape[nodes.size()];
            s[0] = input;
            for (Node n : nodes.subList(1, nodes.size())) {
                try {
                    s[n.id] = switch (n.kind) {
                        case LAYER -> n.layer.outputShape(s[n.inputs.get(0).id]);
                        case ADD -> {
                            Shape a = s[n.inputs.get(0).id], b = s[n.inputs.get(1).id];
                            if (!a.equals(b)) {
                                throw new IllegalArgumentException("add needs two inputs of one shape, got " + a + " and " + b);
                            }
                            yield a;
                        }
                        case CONCAT -> concatShape(n, s);
                        case INPUT -> throw new IllegalStateException();
                    };
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("graph node " + n.name + ": " + e.getMessage(), e);
                }
            }
            return s;
        }

        private static Shape concatShape(Node n, Shape[] s) {
            Shape first = s[n.inputs.get(0).id];
            int channels = 0;
            for (Node in : n.inputs) {
                Shape t = s[in.id];
                boolean fits = t.rank() == first.rank();
                for (int i = 1; fits && i < t.rank(); i++) {
                    fits = t.dim(i) == first.dim(i);
                }
                if (!fits) {
                    throw new IllegalArgumentException("concat needs inputs that differ only in channels, got " + first + " and " + t);
                }
                channels += t.dim(0);
            }
            int[] d = first.dims().clone();
            d[0] = channels;
            return Shape.of(d);
        }

        /** Every tensor's state_dict name and shape for this input, without allocating anything. */
        public Map<String, Shape> paramShapes(Shape input) {
            Shape[] s = shapes(input);
            Map<String, Shape> out = new LinkedHashMap<>();
            for (Node n : nodes) {
                if (n.kind == Kind.LAYER) {
                    n.layer.paramShapes(s[n.inputs.get(0).id]).forEach((k, v) -> out.put(n.name + "." + k, v));
                }
            }
            return out;
        }

        public Graph build(Node output, Shape input, Backend b, long seed) {
            return build(output, input, b, seed, null);
        }

        /** spec: the model spec this graph stands for (kept in checkpoints), or null. */
        public Graph build(Node output, Shape input, Backend b, long seed, String spec) {
            if (output.owner != this) {
                throw new IllegalArgumentException("graph: the output is not a node of this builder");
            }
            return new Graph(List.copyOf(nodes), output, shapes(input), b, seed, spec);
        }
    }

    private final List<Node> nodes;
    private final Node output;
    private final Shape[] shapes;
    private final Backend backend;
    private final String spec;
    private final List<Layer> layers;
    private final Workspace ws = new Workspace();
    private final GradientPool pool = new GradientPool();
    private final Buf[] outs, grads;
    private java.util.Set<String> frozen = java.util.Set.of();
    /** Per node: it or a node before it trains (backward runs through it); and whether it runs as in inference (a frozen batch norm). */
    private boolean[] live, inference;
    private PackedParams packed;

    private Graph(List<Node> nodes, Node output, Shape[] shapes, Backend b, long seed, String spec) {
        this.nodes = nodes;
        this.output = output;
        this.shapes = shapes;
        this.backend = b;
        this.spec = spec;
        this.layers = nodes.stream().filter(n -> n.kind == Kind.LAYER).map(n -> n.layer).toList();
        this.outs = new Buf[nodes.size()];
        this.grads = new Buf[nodes.size()];
        Init init = Init.forLayers(layers);
        Random rnd = new Random(seed);
        try {
            for (Node n : nodes) {
                if (n.kind == Kind.LAYER) {
                    n.layer.build(b, shapes[n.inputs.get(0).id], init, rnd);
                }
            }
            packed = PackedParams.pack(b, layers);
            layers.forEach(l -> l.share(pool));
            fuse();
        } catch (RuntimeException e) {
            close(); // a device out of memory leaves no buffers behind
            throw e;
        }
    }

    /** A layer node and the layer node that alone reads it, and an add node and the layer alone reading it (the graph's output is read by the caller too): Fusion decides. */
    private void fuse() {
        int[] readers = new int[nodes.size()];
        for (Node n : nodes) {
            n.inputs.forEach(in -> readers[in.id]++);
        }
        readers[output.id]++;
        List<Fusion.Link> links = new ArrayList<>();
        for (Node n : nodes) {
            if (n.kind == Kind.LAYER && n.inputs.size() == 1 && n.inputs.get(0).kind == Kind.LAYER && readers[n.inputs.get(0).id] == 1) {
                links.add(new Fusion.Link(n.inputs.get(0).layer, n.layer));
            }
        }
        Fusion.apply(links);
        addAct = new Activation[nodes.size()];
        for (Node n : nodes) {
            Node in = n.inputs.isEmpty() ? null : n.inputs.get(0);
            if (n.kind == Kind.LAYER && in != null && in.kind == Kind.ADD && readers[in.id] == 1) {
                addAct[in.id] = Fusion.intoAdd(n.layer);
            }
        }
        residualAdd = new Node[nodes.size()];
        addedBy = new Node[nodes.size()];
        for (Node n : nodes) {
            if (n.kind == Kind.ADD) {
                for (int i = 0; i < 2; i++) {
                    Node conv = n.inputs.get(i), other = n.inputs.get(1 - i);
                    if (Fusion.intoConvolution(conv.layer, other.id < conv.id, readers[conv.id]) && residualAdd[conv.id] == null) {
                        residualAdd[conv.id] = n;
                        addedBy[n.id] = conv;
                        break;
                    }
                }
            }
        }
    }

    private Activation[] addAct; // per add node: the ReLU it applies as it stores (Fusion.intoAdd), or null
    /** Per convolution node: the add node that alone reads it, done in its epilogue at inference (Fusion.intoConvolution), or null. */
    private Node[] residualAdd;
    private Node[] addedBy; // per add node: the convolution node that does it, or null

    /** The pool the layers' gradients come from (tests count it). */
    GradientPool gradients() {
        return pool;
    }

    @Override
    public Shape input() {
        return shapes[0];
    }

    @Override
    public Shape output() {
        return shapes[output.id];
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public String spec() {
        return spec;
    }

    /** Every node in the order they run, the input first (exporters walk these). */
    public List<Node> nodes() {
        return nodes;
    }

    public Node outputNode() {
        return output;
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    private Shape batch(int n, Shape perSample) {
        int[] d = new int[perSample.rank() + 1];
        d[0] = n;
        System.arraycopy(perSample.dims(), 0, d, 1, perSample.rank());
        return Shape.of(d);
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        int n = x.shape().dim(0);
        outs[0] = x;
        for (Node node : nodes.subList(1, output.id + 1)) {
            Buf in0 = outs[node.inputs.get(0).id];
            Node add = training ? null : residualAdd[node.id];
            outs[node.id] = switch (node.kind) {
                case LAYER -> add == null ? node.layer.forward(in0, training && (inference == null || !inference[node.id]))
                        : withAdd(node, add, in0, n);
                case ADD -> {
                    Node conv = training ? null : addedBy[node.id];
                    if (conv != null) {
                        yield outs[conv.id]; // the convolution added as it stored
                    }
                    Buf y = ws.get(backend, node.name, batch(n, shapes[node.id]));
                    backend.add(in0, outs[node.inputs.get(1).id], addAct[node.id], y);
                    yield y;
                }
                case CONCAT -> {
                    Buf y = ws.get(backend, node.name, batch(n, shapes[node.id]));
                    int at = 0;
                    for (Node in : node.inputs) {
                        int c = shapes[in.id].dim(0);
                        backend.copyChannels(outs[in.id], 0, y, at, c);
                        at += c;
                    }
                    yield y;
                }
                case INPUT -> throw new IllegalStateException();
            };
        }
        return outs[output.id];
    }

    /** Inference: conv's layer computes add's sum (and its ReLU) into add's buffer, the other input being ready. */
    private Buf withAdd(Node conv, Node add, Buf x, int n) {
        Node other = add.inputs.get(add.inputs.get(0) == conv ? 1 : 0);
        Buf sum = ws.get(backend, add.name, batch(n, shapes[add.id]));
        return ((Conv2d) conv.layer).forwardResidual(x, outs[other.id], addAct[add.id], sum);
    }

    @Override
    public void backward(Buf dOut) {
        java.util.Arrays.fill(grads, null);
        grads[output.id] = dOut;
        for (int i = output.id; i >= 1; i--) {
            Node node = nodes.get(i);
            Buf g = grads[i];
            grads[i] = null;
            if (g != null && (live == null || live[i])) { // else nothing downstream reaches the output, or nothing before it trains
                backward(node, g);
            }
            pool.give(g); // this node was its gradient's last reader
        }
        pool.endPass();
    }

    private void backward(Node node, Buf g) {
        switch (node.kind) {
            case LAYER -> {
                Node in = node.inputs.get(0);
                boolean needDx = in.id != 0 && (live == null || live[in.id]);
                Buf d = node.layer.backward(g, needDx);
                if (needDx) {
                    accumulate(in, d);
                }
                pool.give(d);
            }
            case ADD -> {
                Buf d = g;
                if (addAct[node.id] != null) { // the fused ReLU's gradient, from the sum it stored
                    d = pool.take(backend, g.shape());
                    backend.activationBackward(addAct[node.id], 0f, outs[node.id], outs[node.id], g, d);
                } else {
                    pool.retain(d);
                }
                Buf sum = d;
                node.inputs.stream().filter(in -> live == null || live[in.id]).forEach(in -> accumulate(in, sum));
                pool.give(d);
            }
            case CONCAT -> {
                int at = 0;
                for (int j = 0; j < node.inputs.size(); j++) {
                    Node in = node.inputs.get(j);
                    int c = shapes[in.id].dim(0);
                    if (in.id != 0 && (live == null || live[in.id])) {
                        Buf slice = pool.take(backend, batch(g.shape().dim(0), shapes[in.id]));
                        backend.copyChannels(g, at, slice, 0, c);
                        accumulate(in, slice);
                        pool.give(slice);
                    }
                    at += c;
                }
            }
            case INPUT -> throw new IllegalStateException();
        }
    }

    /**
     * A node read along several paths gets the sum of their gradients, in the fixed order the
     * nodes run in reverse; grads[] holds each gradient once (the caller keeps its own hold).
     */
    private void accumulate(Node in, Buf d) {
        if (in.id == 0) {
            return; // the graph's input needs no gradient
        }
        if (grads[in.id] == null) {
            pool.retain(d);
            grads[in.id] = d;
            return;
        }
        Buf sum = pool.take(backend, d.shape());
        backend.add(grads[in.id], d, sum);
        pool.give(grads[in.id]);
        grads[in.id] = sum;
    }

    @Override
    public List<NamedParam> params() {
        List<NamedParam> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.kind == Kind.LAYER) {
                for (Param p : n.layer.params()) {
                    out.add(new NamedParam(n.name + "." + p.name(), p));
                }
            }
        }
        return out;
    }

    @Override
    public void freeze(java.util.Set<String> names) {
        boolean[] l = new boolean[nodes.size()], inf = new boolean[nodes.size()];
        for (Node n : nodes) {
            boolean upstream = n.inputs.stream().anyMatch(in -> l[in.id]);
            if (n.kind == Kind.LAYER) {
                inf[n.id] = Freezing.inference(n.layer, n.name, names, upstream);
                l[n.id] = upstream || Freezing.trains(n.layer, n.name, names);
                n.layer.frozen(Freezing.local(names, n.name));
            } else {
                l[n.id] = upstream;
            }
        }
        frozen = java.util.Set.copyOf(names);
        live = names.isEmpty() ? null : l;
        inference = names.isEmpty() ? null : inf;
    }

    @Override
    public java.util.Set<String> frozen() {
        return frozen;
    }

    @Override
    public Optional<Param> flatTrainable() {
        return packed == null ? Optional.empty() : Optional.of(packed.flat());
    }

    @Override
    public void close() {
        layers.forEach(Layer::close);
        ws.close();
        pool.close();
        if (packed != null) {
            packed.close();
        }
    }

    @Override
    public long multiplyAdds() {
        long total = 0;
        for (Node n : nodes) {
            if (n.kind == Kind.LAYER) {
                total += n.layer.multiplyAdds(shapes[n.inputs.get(0).id]);
            }
        }
        return total;
    }

    @Override
    public String summary() {
        List<Summary.Row> rows = new ArrayList<>();
        for (Node n : nodes.subList(1, nodes.size())) {
            String kind = switch (n.kind) {
                case LAYER -> n.layer.spec();
                case ADD, CONCAT -> n.kind.name().toLowerCase(java.util.Locale.ROOT) + "(" + String.join(", ", n.inputs.stream().map(Node::name).toList()) + ")";
                case INPUT -> "input";
            };
            long params = n.kind == Kind.LAYER ? Summary.params(n.layer, shapes[n.inputs.get(0).id]) : 0;
            rows.add(new Summary.Row(n.name, kind, shapes[n.id], params));
        }
        return Summary.table(describe(), input(), rows);
    }

    @Override
    public String toString() {
        return "Graph " + describe() + " " + input() + " -> " + output() + ", " + parameterCount() + " parameters";
    }
}
