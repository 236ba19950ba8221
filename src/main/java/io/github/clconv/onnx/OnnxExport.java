package io.github.clconv.onnx;

import com.google.protobuf.ByteString;
import io.github.clconv.nn.ActivationLayer;
import io.github.clconv.nn.AdaptiveAvgPool;
import io.github.clconv.nn.BatchNorm;
import io.github.clconv.nn.Conv2d;
import io.github.clconv.nn.Dropout;
import io.github.clconv.nn.Flatten;
import io.github.clconv.nn.GlobalAvgPool;
import io.github.clconv.nn.Graph;
import io.github.clconv.nn.Layer;
import io.github.clconv.nn.Linear;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.nn.PRelu;
import io.github.clconv.nn.Pool2d;
import io.github.clconv.nn.Sequential;
import io.github.clconv.onnx.proto.OnnxProto.AttributeProto;
import io.github.clconv.onnx.proto.OnnxProto.GraphProto;
import io.github.clconv.onnx.proto.OnnxProto.ModelProto;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;
import io.github.clconv.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.github.clconv.onnx.proto.OnnxProto.StringStringEntryProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorShapeProto;
import io.github.clconv.onnx.proto.OnnxProto.TypeProto;
import io.github.clconv.onnx.proto.OnnxProto.ValueInfoProto;
import io.github.clconv.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A clconv model as an ONNX model: one ONNX node (two for silu and mish, which ONNX lacks) per
 * layer, add and concat, the tensors as initializers under their state_dict names, the input
 * "input" [batch, C, H, W] and the output "output" [batch, classes] with a symbolic batch. The
 * nodes carry clconv's layer names, so that OnnxImport gives the same names back. Batch norms
 * stay BatchNormalization (fold them first with BatchNormFolding, into the convolution or linear layer before
 * each, for one node fewer each).
 */
public final class OnnxExport {
    public static final int MIN_OPSET = 11, MAX_OPSET = 17, DEFAULT_OPSET = 13;
    static final String INPUT = "input", OUTPUT = "output";

    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final GraphProto.Builder graph = GraphProto.newBuilder();

    private OnnxExport(Model model) {
        for (NamedParam p : model.params()) {
            values.put(p.name(), model.backend().download(p.param().value()));
            shapes.put(p.name(), p.param().value().shape());
        }
    }

    /** The ONNX model of model; metadata (class names, normalisation, input shape) goes into metadata_props. */
    public static ModelProto export(Model model, int opset, Map<String, String> metadata) {
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException("--opset " + opset + ": clconv writes opsets " + MIN_OPSET + " to " + MAX_OPSET);
        }
        Shape in = model.input();
        if (in.rank() != 3) {
            throw new IllegalArgumentException("ONNX export takes a model of image input [C,H,W]; this one takes " + in);
        }
        OnnxExport e = new OnnxExport(model);
        if (model instanceof Graph g) {
            e.graphNodes(g);
        } else {
            e.chain((Sequential) model);
        }
        e.graph.setName("clconv");
        e.graph.addInput(value(INPUT, in.dim(0), in.dim(1), in.dim(2)));
        e.graph.addOutput(value(OUTPUT, model.output().dims()));
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(opset <= 11 ? 6 : opset <= 14 ? 7 : 8) // the IR version each opset came with
                .setProducerName("clconv").setProducerVersion("0.1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(e.graph);
        metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private void chain(Sequential s) {
        List<Layer> ls = s.layers();
        String x = INPUT;
        Shape shape = s.input();
        for (int i = 0; i < ls.size(); i++) {
            String y = i == ls.size() - 1 ? OUTPUT : String.valueOf(i);
            layer(String.valueOf(i), ls.get(i), x, y, shape);
            shape = ls.get(i).outputShape(shape);
            x = y;
        }
    }

    private void graphNodes(Graph g) {
        Map<Integer, String> names = new LinkedHashMap<>();
        names.put(0, INPUT);
        Shape[] shape = new Shape[g.nodes().size()];
        shape[0] = g.input();
        for (Graph.Node n : g.nodes().subList(1, g.outputNode().id() + 1)) {
            String y = n == g.outputNode() ? OUTPUT : n.name();
            List<String> in = n.inputs().stream().map(i -> names.get(i.id())).toList();
            switch (n.kind()) {
                case LAYER -> layer(n.name(), n.layer(), in.get(0), y, shape[n.inputs().get(0).id()]);
                case ADD -> node("Add", n.name(), in, y);
                case CONCAT -> node("Concat", n.name(), in, y).addAttribute(integer("axis", 1));
                case INPUT -> throw new IllegalStateException();
            }
            names.put(n.id(), y);
            shape[n.id()] = switch (n.kind()) {
                case LAYER -> n.layer().outputShape(shape[n.inputs().get(0).id()]);
                case CONCAT -> {
                    int[] d = shape[n.inputs().get(0).id()].dims().clone();
                    d[0] = n.inputs().stream().mapToInt(i -> shape[i.id()].dim(0)).sum();
                    yield Shape.of(d);
                }
                default -> shape[n.inputs().get(0).id()];
            };
        }
    }

    /** in: the layer's input shape per sample. */
    private void layer(String name, Layer l, String x, String y, Shape in) {
        if (l instanceof Conv2d c) {
            List<String> inputs = new ArrayList<>(List.of(x, weight(name + ".weight")));
            if (c.hasBias()) {
                inputs.add(weight(name + ".bias"));
            }
            int k = c.kernel(), s = c.stride(), p = c.padding();
            node("Conv", name, inputs, y).addAttribute(ints("kernel_shape", k, k)).addAttribute(ints("strides", s, s))
                    .addAttribute(ints("pads", p, p, p, p)).addAttribute(ints("dilations", 1, 1)).addAttribute(integer("group", c.groups()));
        } else if (l instanceof BatchNorm) {
            node("BatchNormalization", name, List.of(x, weight(name + ".weight"), weight(name + ".bias"), weight(name + ".running_mean"),
                    weight(name + ".running_var")), y).addAttribute(real("epsilon", BatchNorm.EPS)).addAttribute(real("momentum", 1 - BatchNorm.MOMENTUM));
        } else if (l instanceof ActivationLayer a) {
            activation(name, a, x, y);
        } else if (l instanceof Pool2d p) {
            int k = p.kernel(), s = p.stride(), pad = p.padding();
            NodeProto.Builder n = node(p.isMax() ? "MaxPool" : "AveragePool", name, List.of(x), y).addAttribute(ints("kernel_shape", k, k))
                    .addAttribute(ints("strides", s, s)).addAttribute(ints("pads", pad, pad, pad, pad));
            if (!p.isMax()) {
                n.addAttribute(integer("count_include_pad", 1)); // clconv's average divides by the whole window, as PyTorch's default
            }
        } else if (l instanceof GlobalAvgPool) {
            node("GlobalAveragePool", name, List.of(x), name + "/pooled");
            node("Flatten", name + "/flatten", List.of(name + "/pooled"), y).addAttribute(integer("axis", 1)); // clconv's gap gives [C]
        } else if (l instanceof AdaptiveAvgPool a) {
            // ONNX has no adaptive pooling: an output that divides the plane evenly is an average pooling, 1x1 a global one
            int h = in.dim(1), w = in.dim(2), oh = a.outHeight(), ow = a.outWidth();
            if (oh == 1 && ow == 1) {
                node("GlobalAveragePool", name, List.of(x), y);
            } else if (h % oh == 0 && w % ow == 0 && h / oh == w / ow) {
                int k = h / oh;
                node("AveragePool", name, List.of(x), y).addAttribute(ints("kernel_shape", k, k)).addAttribute(ints("strides", k, k))
                        .addAttribute(ints("pads", 0, 0, 0, 0));
            } else {
                throw new IllegalArgumentException("layer " + name + " (" + l.spec() + ") pools a " + h + "x" + w + " plane unevenly, which ONNX"
                        + " cannot express; export at an input whose last plane is a multiple of " + oh + "x" + ow);
            }
        } else if (l instanceof Flatten) {
            node("Flatten", name, List.of(x), y).addAttribute(integer("axis", 1));
        } else if (l instanceof Linear) {
            node("Gemm", name, List.of(x, weight(name + ".weight"), weight(name + ".bias")), y).addAttribute(integer("transB", 1));
        } else if (l instanceof Dropout) {
            node("Identity", name, List.of(x), y); // inference
        } else if (l instanceof PRelu) {
            // ONNX broadcasts the slope from the right: one per channel of an image is [C,1,1]
            String slope = in.rank() == 3 ? weight(name + ".weight", in.dim(0), 1, 1) : weight(name + ".weight");
            node("PRelu", name, List.of(x, slope), y);
        } else {
            throw new IllegalArgumentException("layer " + name + " (" + l.spec() + ") has no ONNX export (clconv exports conv, bn, pooling, gap,"
                    + " flatten, linear, dropout, prelu and the activations)");
        }
    }

    private void activation(String name, ActivationLayer a, String x, String y) {
        switch (a.kind()) {
            case RELU -> node("Relu", name, List.of(x), y);
            case LEAKY_RELU -> node("LeakyRelu", name, List.of(x), y).addAttribute(real("alpha", a.alpha()));
            case SIGMOID -> node("Sigmoid", name, List.of(x), y);
            case TANH -> node("Tanh", name, List.of(x), y);
            case SOFTPLUS -> node("Softplus", name, List.of(x), y);
            case SILU -> {
                node("Sigmoid", name + "/sigmoid", List.of(x), name + "/sigmoid");
                node("Mul", name, List.of(x, name + "/sigmoid"), y);
            }
            case MISH -> {
                node("Softplus", name + "/softplus", List.of(x), name + "/softplus");
                node("Tanh", name + "/tanh", List.of(name + "/softplus"), name + "/tanh");
                node("Mul", name, List.of(x, name + "/tanh"), y);
            }
            case RELU6 -> node("Clip", name, List.of(x, constant(name + ".min", 0f), constant(name + ".max", 6f)), y);
        }
    }

    private NodeProto.Builder node(String op, String name, List<String> in, String out) {
        NodeProto.Builder n = graph.addNodeBuilder().setOpType(op).setName(name).addOutput(out);
        in.forEach(n::addInput);
        return n;
    }

    private String weight(String name, int... dims) {
        float[] v = values.get(name);
        if (v == null) {
            throw new IllegalStateException("no tensor " + name);
        }
        graph.addInitializer(tensor(name, v, dims.length > 0 ? dims : shapes.get(name).dims()));
        return name;
    }

    private String constant(String name, float v) {
        graph.addInitializer(tensor(name, new float[]{v}));
        return name;
    }

    static TensorProto tensor(String name, float[] v, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array()));
        for (int d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static ValueInfoProto value(String name, int... perSample) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int d : perSample) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto real(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }
}
