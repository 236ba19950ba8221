package io.github.clconv.onnx;

import io.github.clconv.nn.ActivationLayer;
import io.github.clconv.nn.Graph;
import io.github.clconv.nn.Layer;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.onnx.OnnxFile.Const;
import io.github.clconv.onnx.proto.OnnxProto.GraphProto;
import io.github.clconv.onnx.proto.OnnxProto.ModelProto;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;
import io.github.clconv.onnx.proto.OnnxProto.StringStringEntryProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorShapeProto;
import io.github.clconv.onnx.proto.OnnxProto.ValueInfoProto;
import io.github.clconv.tensor.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model as a clconv graph with named parameters, which then loads, trains and saves
 * like any other. Nodes are taken in the file's order (the specification's topological
 * order, so a cycle is a node reading a value nothing before it made); the shape arithmetic
 * exporters put around Flatten and Reshape (Shape, Gather, Unsqueeze, Concat, ...) is folded
 * to constants, the batch dimension staying symbolic. A layer's parameters are named from its
 * weight initializer ("layer1.0.conv1.weight") or, failing that, its node's scope
 * ("/layer1/layer1.0/relu/Relu" gives "layer1.0.relu").
 */
public final class OnnxImport {
    /** The ops imported as layers (the shape arithmetic around them is folded, see FOLDED). */
    public static final String SUPPORTED = "Conv, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softplus, Clip (as ReLU or ReLU6), PRelu,"
            + " x*Sigmoid(x) (SiLU), x*Tanh(Softplus(x)) (Mish), MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape and Squeeze to a flat vector,"
            + " Gemm, MatMul (+ Add of a bias), Add, Concat along channels, Dropout, Identity, and a final Softmax";
    static final Set<String> FOLDED = Set.of("Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Identity",
            "Mul", "Div", "Add", "Sub", "Reshape");
    /** Nodes a file may hold (the shape arithmetic included); layers are limited as a spec's are. */
    static final int MAX_NODES = 20_000;
    private static final int MAX_INPUT = 1 << 26;

    /** The graph, its input shape per sample, every parameter by state_dict name, and the file's metadata_props. */
    public record Imported(Graph.Builder builder, Graph.Node output, Shape input, Map<String, Shape> shapes, Map<String, float[]> tensors,
                           Map<String, String> properties, List<String> notes) {
    }

    /** A value the graph computes per sample. */
    record Value(Graph.Node node, Shape shape) {
    }

    private final Path file;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> tensors = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final List<String> notes = new ArrayList<>();
    /** A MatMul's bias, which an Add of a constant right after it fills in. */
    private final Map<String, float[]> openBias = new HashMap<>();
    private final Graph.Builder g = new Graph.Builder();
    private int layers, opset;

    private OnnxImport(Path file) {
        this.file = file;
    }

    public static Imported read(Path file) throws IOException {
        return new OnnxImport(file).run(OnnxFile.parse(file));
    }

    private Imported run(ModelProto m) throws IOException {
        opset = m.getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToInt(o -> (int) Math.min(Integer.MAX_VALUE, o.getVersion())).findFirst().orElse(0);
        if (opset < 7) {
            throw new IOException(file + ": ONNX opset " + opset + "; clconv imports opsets 7 and later (re-export with opset_version=13)");
        }
        GraphProto graph = m.getGraph();
        if (graph.getNodeCount() > MAX_NODES) {
            throw new IOException(file + ": " + graph.getNodeCount() + " nodes; clconv imports graphs of at most " + MAX_NODES);
        }
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        Shape input = input(graph);
        Set<Integer> skip = new HashSet<>();
        Map<Integer, Patterns.Gate> fused = Patterns.gates(graph, skip);
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (skip.contains(i)) {
                continue;
            }
            NodeProto n = graph.getNode(i);
            String where = file + ": node '" + OnnxFile.printable(n.getName()) + "' (" + OnnxFile.printable(n.getOpType()) + ")";
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new IOException(where + " is of the operator domain '" + OnnxFile.printable(n.getDomain()) + "', which clconv does not import; it imports " + SUPPORTED);
            }
            try {
                node(n, fused.get(i), where);
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + e.getMessage());
            }
            if (layers > ModelSpec.MAX_LAYERS) {
                throw new IOException(file + ": more than " + ModelSpec.MAX_LAYERS + " layers; clconv builds at most " + ModelSpec.MAX_LAYERS);
            }
        }
        if (graph.getOutputCount() != 1) {
            throw new IOException(file + ": " + graph.getOutputCount() + " graph outputs; clconv imports classifiers of one output");
        }
        Object out = values.get(graph.getOutput(0).getName());
        if (!(out instanceof Value v) || v.node() == g.input()) {
            throw new IOException(file + ": the graph's output " + OnnxFile.printable(graph.getOutput(0).getName()) + " is not computed from its input by any layer");
        }
        if (v.shape().rank() != 1) {
            throw new IOException(file + ": the graph's output is " + v.shape() + " per sample; clconv imports classifiers, whose output is a vector of scores");
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (StringStringEntryProto p : m.getMetadataPropsList()) {
            props.put(p.getKey(), p.getValue());
        }
        return new Imported(g, v.node(), input, shapes, tensors, props, notes);
    }

    private Shape input(GraphProto graph) throws IOException {
        List<ValueInfoProto> inputs = graph.getInputList().stream().filter(v -> !initializers.containsKey(v.getName())).toList();
        if (inputs.size() != 1) {
            throw new IOException(file + ": " + inputs.size() + " graph inputs besides the weights; clconv imports models of one image input");
        }
        ValueInfoProto in = inputs.get(0);
        List<TensorShapeProto.Dimension> d = in.getType().getTensorType().getShape().getDimList();
        if (in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE || d.size() != 4) {
            throw new IOException(file + ": the input " + OnnxFile.printable(in.getName()) + " is not a float tensor [batch, C, H, W]; clconv imports image models");
        }
        int[] chw = new int[3];
        long size = 1;
        for (int i = 1; i < 4; i++) {
            long v = d.get(i).getDimValue();
            if (!d.get(i).hasDimValue() || v < 1 || v > 65_536) {
                throw new IOException(file + ": the input's dimension " + i + " is " + (d.get(i).hasDimValue() ? v : "'" + OnnxFile.printable(d.get(i).getDimParam()) + "'")
                        + "; clconv needs a fixed channel count, height and width (export with only the batch dynamic)");
            }
            chw[i - 1] = (int) v;
            size *= v;
        }
        if (size > MAX_INPUT) {
            throw new IOException(file + ": an input of " + size + " values per image; clconv takes at most " + MAX_INPUT);
        }
        Shape s = Shape.of(chw);
        values.put(in.getName(), new Value(g.input(), s));
        return s;
    }

    private void node(NodeProto n, Patterns.Gate gate, String where) throws IOException {
        if (n.getOutputCount() < 1) {
            throw new IOException(where + " has no output");
        }
        String op = n.getOpType();
        if (gate != null) { // Mul(x, Sigmoid(x)) or Mul(x, Tanh(Softplus(x))), the gate's nodes skipped
            if (!(value(gate.input(), where) instanceof Value x)) {
                throw new IOException(where + " gates a constant");
            }
            layer(n, new ActivationLayer(gate.kind(), 0f), x, Map.of());
            return;
        }
        List<Object> in = new ArrayList<>();
        for (String name : n.getInputList()) {
            in.add(name.isEmpty() ? null : value(name, where));
        }
        if (FOLDED.contains(op) && in.stream().allMatch(v -> v == null || v instanceof Const) || op.equals("Shape")) {
            values.put(n.getOutput(0), Folding.fold(n, in, opset, where));
            return;
        }
        Value x = in.isEmpty() || !(in.get(0) instanceof Value v) ? null : v;
        if (x == null && !op.equals("Add") && !op.equals("Mul")) {
            throw new IOException(where + " does not read the image data first; clconv imports " + SUPPORTED);
        }
        Layers.make(this, n, x, in, where);
    }

    private Object value(String name, String where) throws IOException {
        Object v = values.get(name);
        if (v == null && initializers.containsKey(name)) {
            v = OnnxFile.decode(initializers.get(name), file + ": initializer " + OnnxFile.printable(name));
            values.put(name, v);
        }
        if (v == null) {
            throw new IOException(where + " reads '" + OnnxFile.printable(name) + "', which no node before it computes (the file's nodes are not in"
                    + " topological order, or the graph has a cycle)");
        }
        return v;
    }

    int opset() {
        return opset;
    }

    Map<String, Object> values() {
        return values;
    }

    Map<String, float[]> openBias() {
        return openBias;
    }

    void note(String s) {
        notes.add(s);
    }

    /** Adds layer l reading x, its tensors by parameter name (checked against what the layer expects), as node n's output. */
    Value layer(NodeProto n, Layer l, Value x, Map<String, float[]> params) throws IOException {
        String name = unique(params.isEmpty() ? Names.fromNode(n) : Names.fromWeight(n, params));
        Shape out = l.outputShape(x.shape());
        Map<String, Shape> want = l.paramShapes(x.shape());
        if (!want.keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("its parameters " + params.keySet() + " are not those of " + l.spec() + " " + want.keySet());
        }
        for (Map.Entry<String, Shape> w : want.entrySet()) {
            float[] v = params.get(w.getKey());
            if (v.length != w.getValue().size()) {
                throw new IllegalArgumentException("its " + w.getKey() + " holds " + v.length + " values; " + l.spec() + " on an input "
                        + x.shape() + " needs " + w.getValue());
            }
            shapes.put(name + "." + w.getKey(), w.getValue());
            tensors.put(name + "." + w.getKey(), v);
        }
        layers++;
        Value y = new Value(g.layer(name, l, x.node()), out);
        values.put(n.getOutput(0), y);
        return y;
    }

    Value add(NodeProto n, Value a, Value b) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException("adds " + a.shape() + " and " + b.shape() + "; clconv adds values of one shape");
        }
        Value y = new Value(g.add(a.node(), b.node()), a.shape());
        values.put(n.getOutput(0), y);
        return y;
    }

    Value concat(NodeProto n, List<Value> in) {
        Shape first = in.get(0).shape();
        int channels = 0;
        for (Value v : in) {
            if (v.shape().rank() != 3 || v.shape().dim(1) != first.dim(1) || v.shape().dim(2) != first.dim(2)) {
                throw new IllegalArgumentException("concatenates " + first + " and " + v.shape() + "; clconv concatenates images along channels");
            }
            channels += v.shape().dim(0);
        }
        Value y = new Value(g.concat(in.stream().map(Value::node).toArray(Graph.Node[]::new)), Shape.of(channels, first.dim(1), first.dim(2)));
        values.put(n.getOutput(0), y);
        return y;
    }

    /** The node's output is its input (Identity, Dropout of 0, a Flatten of a vector). */
    void alias(NodeProto n, Object x) {
        values.put(n.getOutput(0), x);
    }

    private String unique(String name) {
        String base = name.isEmpty() || name.matches("(add|concat)\\d+") ? "n_" + name : name;
        String s = base;
        for (int k = 1; !names.add(s); k++) {
            s = base + "_" + k;
        }
        return s;
    }
}
