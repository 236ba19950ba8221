package io.github.clconv.onnx;

import io.github.clconv.backend.Activation;
import io.github.clconv.nn.ActivationLayer;
import io.github.clconv.nn.BatchNorm;
import io.github.clconv.nn.Conv2d;
import io.github.clconv.nn.Dropout;
import io.github.clconv.nn.Flatten;
import io.github.clconv.nn.GlobalAvgPool;
import io.github.clconv.nn.Linear;
import io.github.clconv.nn.PRelu;
import io.github.clconv.nn.Pool2d;
import io.github.clconv.onnx.OnnxFile.Const;
import io.github.clconv.onnx.OnnxImport.Value;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One ONNX operator on computed values as a clconv layer (or an add, a concat, or nothing at all). */
final class Layers {
    private Layers() {
    }

    static void make(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        switch (n.getOpType()) {
            case "Conv" -> conv(imp, n, x, in, where);
            case "BatchNormalization" -> batchNorm(imp, n, x, in, where);
            case "Relu" -> imp.layer(n, new ActivationLayer(Activation.RELU, 0f), x, Map.of());
            case "LeakyRelu" -> imp.layer(n, new ActivationLayer(Activation.LEAKY_RELU, OnnxFile.real(n, "alpha", 0.01f)), x, Map.of());
            case "Sigmoid" -> imp.layer(n, new ActivationLayer(Activation.SIGMOID, 0f), x, Map.of());
            case "Tanh" -> imp.layer(n, new ActivationLayer(Activation.TANH, 0f), x, Map.of());
            case "Softplus" -> imp.layer(n, new ActivationLayer(Activation.SOFTPLUS, 0f), x, Map.of());
            case "Clip" -> clip(imp, n, x, in, where);
            case "PRelu" -> {
                float[] slope = floats(constant(in, 1, where));
                int c = x.shape().dim(0);
                if (slope.length == 1) {
                    slope = filled(c, slope[0]);
                }
                imp.layer(n, new PRelu(), x, Map.of("weight", slope));
            }
            case "MaxPool", "AveragePool" -> pool(imp, n, x, where);
            case "GlobalAveragePool" -> imp.layer(n, new GlobalAvgPool(), x, Map.of());
            case "Flatten", "Reshape", "Squeeze" -> flatten(imp, n, x, in, where);
            case "Gemm" -> gemm(imp, n, x, in, where);
            case "MatMul" -> matmul(imp, n, x, in, where);
            case "Add" -> add(imp, n, in, where);
            case "Concat" -> {
                long axis = OnnxFile.integer(n, "axis", 1);
                List<Value> vs = new ArrayList<>();
                for (Object o : in) {
                    if (!(o instanceof Value v)) {
                        throw new IOException(where + " concatenates a constant with computed values");
                    }
                    vs.add(v);
                }
                if (axis != 1 && axis != -3) {
                    throw new IOException(where + " concatenates along axis " + axis + "; clconv concatenates along channels (axis 1)");
                }
                imp.concat(n, vs);
            }
            case "Dropout" -> {
                float p = in.size() > 1 && in.get(1) != null ? (float) constant(in, 1, where).values()[0] : OnnxFile.real(n, "ratio", 0.5f);
                if (p > 0 && p < 1) {
                    imp.layer(n, new Dropout(p), x, Map.of());
                } else {
                    imp.alias(n, x);
                }
            }
            case "Identity" -> imp.alias(n, x);
            case "Softmax", "LogSoftmax" -> {
                // clconv's classifiers give scores and its loss applies the softmax: a final softmax is left to it
                imp.note(where + " dropped: clconv's models output scores (logits), and its loss and predict apply the softmax");
                imp.alias(n, x);
            }
            default -> throw new IOException(where + ": clconv cannot import the operator " + OnnxFile.printable(n.getOpType()) + "; it imports " + OnnxImport.SUPPORTED);
        }
    }

    private static void conv(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        Const w = constant(in, 1, where);
        if (w.dims().length != 4 || w.dims()[2] != w.dims()[3]) {
            throw new IOException(where + ": a weight of shape " + java.util.Arrays.toString(w.dims()) + "; clconv convolves 2-D images with square kernels");
        }
        int k = (int) w.dims()[2], out = (int) w.dims()[0];
        int stride = square(OnnxFile.ints(n, "strides"), 1, "strides", where);
        ones(OnnxFile.ints(n, "dilations"), "dilations", where);
        int pad = padding(n, k, stride, where);
        int groups = (int) OnnxFile.integer(n, "group", 1);
        boolean bias = in.size() > 2 && in.get(2) != null;
        Map<String, float[]> p = new LinkedHashMap<>();
        p.put("weight", floats(w));
        if (bias) {
            p.put("bias", floats(constant(in, 2, where)));
        }
        if (groups < 1 || out % groups != 0) {
            throw new IOException(where + ": group " + groups + " does not divide the " + out + " output channels");
        }
        imp.layer(n, new Conv2d(out, k, stride, pad, groups, bias), x, p);
    }

    private static void batchNorm(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        if (n.getOutputCount() > 1 && n.getOutputList().subList(1, n.getOutputCount()).stream().anyMatch(s -> !s.isEmpty())) {
            throw new IOException(where + " is in training mode (it outputs running statistics); export the model in eval mode");
        }
        Map<String, float[]> p = new LinkedHashMap<>();
        String[] names = {"weight", "bias", "running_mean", "running_var"};
        for (int i = 0; i < 4; i++) {
            p.put(names[i], floats(constant(in, i + 1, where)));
        }
        float eps = OnnxFile.real(n, "epsilon", 1e-5f);
        if (eps != BatchNorm.EPS) {
            // clconv's batch norm has PyTorch's fixed epsilon: the variance absorbs the difference, so inference is unchanged
            float[] var = p.get("running_var");
            for (int i = 0; i < var.length; i++) {
                var[i] += eps - BatchNorm.EPS;
            }
            imp.note(where + ": epsilon " + eps + " taken into the running variance (clconv uses " + BatchNorm.EPS + ")");
        }
        imp.layer(n, new BatchNorm(), x, p);
    }

    private static void clip(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        double lo, hi;
        if (imp.opset() >= 11) {
            lo = in.size() > 1 && in.get(1) != null ? constant(in, 1, where).values()[0] : Double.NEGATIVE_INFINITY;
            hi = in.size() > 2 && in.get(2) != null ? constant(in, 2, where).values()[0] : Double.POSITIVE_INFINITY;
        } else {
            lo = OnnxFile.real(n, "min", Float.NEGATIVE_INFINITY);
            hi = OnnxFile.real(n, "max", Float.POSITIVE_INFINITY);
        }
        if (lo == 0 && hi == 6) {
            imp.layer(n, new ActivationLayer(Activation.RELU6, 0f), x, Map.of());
        } else if (lo == 0 && hi >= Float.MAX_VALUE) {
            imp.layer(n, new ActivationLayer(Activation.RELU, 0f), x, Map.of());
        } else {
            throw new IOException(where + " clips to [" + lo + ", " + hi + "]; clconv imports Clip as ReLU [0, inf) or ReLU6 [0, 6]");
        }
    }

    private static void pool(OnnxImport imp, NodeProto n, Value x, String where) throws IOException {
        long[] ks = OnnxFile.ints(n, "kernel_shape");
        if (ks == null) {
            throw new IOException(where + " has no kernel_shape");
        }
        int k = square(ks, 0, "kernel_shape", where), stride = square(OnnxFile.ints(n, "strides"), 1, "strides", where);
        ones(OnnxFile.ints(n, "dilations"), "dilations", where);
        if (OnnxFile.integer(n, "ceil_mode", 0) != 0) {
            throw new IOException(where + " rounds its output size up (ceil_mode=1); clconv pools with ceil_mode=0");
        }
        int pad = padding(n, k, stride, where);
        boolean max = n.getOpType().equals("MaxPool");
        if (!max && pad > 0 && OnnxFile.integer(n, "count_include_pad", 0) != 1) {
            throw new IOException(where + " averages only the pixels inside the image (count_include_pad=0); clconv's average pool counts the padding");
        }
        if (2 * pad > k) {
            throw new IOException(where + ": padding " + pad + " is more than half the kernel " + k);
        }
        imp.layer(n, new Pool2d(max, k, stride, pad), x, Map.of());
    }

    /** Flatten, or a Reshape/Squeeze that flattens: [batch, C, H, W] to [batch, C*H*W]. */
    private static void flatten(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        switch (n.getOpType()) {
            case "Flatten" -> {
                if (OnnxFile.integer(n, "axis", 1) != 1) {
                    throw new IOException(where + " flattens from axis " + OnnxFile.integer(n, "axis", 1) + "; clconv flattens each sample (axis 1)");
                }
            }
            case "Reshape" -> {
                double[] t = constant(in, 1, where).values();
                boolean batchFirst = t.length >= 1 && (Double.isNaN(t[0]) || t[0] == 0 || t[0] == -1);
                boolean flat = t.length == 2 && batchFirst && (t[1] == -1 || t[1] == x.shape().size());
                boolean same = batchFirst && t.length == x.shape().rank() + 1
                        && java.util.stream.IntStream.range(0, x.shape().rank()).allMatch(i -> t[i + 1] == x.shape().dim(i));
                if (same) {
                    imp.alias(n, x);
                    return;
                }
                if (!flat) {
                    throw new IOException(where + " reshapes " + x.shape() + " per sample to " + java.util.Arrays.toString(t)
                            + "; clconv imports reshapes that flatten each sample");
                }
            }
            default -> { // Squeeze: only of the 1x1 plane a global pooling leaves
                if (x.shape().rank() != 1) {
                    throw new IOException(where + " squeezes " + x.shape() + " per sample; clconv imports squeezes after global pooling");
                }
            }
        }
        if (x.shape().rank() == 1) {
            imp.alias(n, x); // clconv's global pooling already gives a vector
        } else {
            imp.layer(n, new Flatten(), x, Map.of());
        }
    }

    private static void gemm(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        if (OnnxFile.real(n, "alpha", 1f) != 1f || OnnxFile.real(n, "beta", 1f) != 1f || OnnxFile.integer(n, "transA", 0) != 0) {
            throw new IOException(where + " scales or transposes its input (alpha, beta, transA); clconv imports Gemm as a linear layer");
        }
        Const b = constant(in, 1, where);
        if (b.dims().length != 2) {
            throw new IOException(where + ": a weight of " + b.dims().length + " dimensions");
        }
        boolean transposed = OnnxFile.integer(n, "transB", 0) != 0;
        int out = (int) b.dims()[transposed ? 0 : 1];
        float[] w = transposed ? floats(b) : transpose(b);
        float[] bias = in.size() > 2 && in.get(2) != null ? floats(constant(in, 2, where)) : new float[out];
        if (bias.length != out) {
            throw new IOException(where + ": a bias of " + bias.length + " values for " + out + " outputs (clconv imports a bias per output)");
        }
        linear(imp, n, x, out, w, bias);
    }

    private static void matmul(OnnxImport imp, NodeProto n, Value x, List<Object> in, String where) throws IOException {
        Const b = constant(in, 1, where);
        if (b.dims().length != 2) {
            throw new IOException(where + " multiplies by a constant of " + b.dims().length + " dimensions; clconv imports MatMul by a matrix as a linear layer");
        }
        float[] bias = new float[(int) b.dims()[1]];
        linear(imp, n, x, bias.length, transpose(b), bias);
        imp.openBias().put(n.getOutput(0), bias);
    }

    private static void linear(OnnxImport imp, NodeProto n, Value x, int out, float[] w, float[] bias) throws IOException {
        if (x.shape().rank() != 1) {
            throw new IllegalArgumentException("multiplies an input of " + x.shape() + " per sample; flatten it first");
        }
        Map<String, float[]> p = new LinkedHashMap<>();
        p.put("weight", w);
        p.put("bias", bias);
        imp.layer(n, new Linear(out), x, p);
    }

    /** Add: a residual sum of two computed values, or a bias after a MatMul (which goes into the linear layer's bias). */
    private static void add(OnnxImport imp, NodeProto n, List<Object> in, String where) throws IOException {
        if (in.size() == 2 && in.get(0) instanceof Value a && in.get(1) instanceof Value b) {
            imp.add(n, a, b);
            return;
        }
        int v = in.get(0) instanceof Value ? 0 : 1;
        if (in.size() == 2 && in.get(v) instanceof Value x && in.get(1 - v) instanceof Const c) {
            float[] bias = imp.openBias().remove(n.getInput(v));
            if (bias != null && c.size() == bias.length) {
                float[] add = floats(c);
                for (int i = 0; i < bias.length; i++) {
                    bias[i] += add[i];
                }
                imp.alias(n, x);
                return;
            }
        }
        throw new IOException(where + " adds a constant to a computed value; clconv imports Add as a residual sum, or as the bias of a MatMul right before it");
    }

    private static int padding(NodeProto n, int k, int stride, String where) throws IOException {
        String auto = OnnxFile.string(n, "auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                long[] p = OnnxFile.ints(n, "pads");
                if (p == null) {
                    return 0;
                }
                if (p.length != 4 || p[0] != p[1] || p[0] != p[2] || p[0] != p[3] || p[0] < 0 || p[0] > k) {
                    throw new IOException(where + " pads " + java.util.Arrays.toString(p) + "; clconv pads every side alike");
                }
                return (int) p[0];
            }
            case "VALID" -> {
                return 0;
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                if (stride == 1 && k % 2 == 1) {
                    return (k - 1) / 2;
                }
                throw new IOException(where + " pads " + auto + " with stride " + stride + " and kernel " + k + ", which pads sides unequally");
            }
            default -> throw new IOException(where + ": unknown auto_pad '" + OnnxFile.printable(auto) + "'");
        }
    }

    private static int square(long[] v, int otherwise, String what, String where) throws IOException {
        if (v == null) {
            return otherwise;
        }
        if (v.length != 2 || v[0] != v[1] || v[0] < 1 || v[0] > 4096) {
            throw new IOException(where + ": " + what + " " + java.util.Arrays.toString(v) + "; clconv takes the same value (1 to 4096) for height and width");
        }
        return (int) v[0];
    }

    private static void ones(long[] v, String what, String where) throws IOException {
        if (v != null && java.util.Arrays.stream(v).anyMatch(d -> d != 1)) {
            throw new IOException(where + ": " + what + " " + java.util.Arrays.toString(v) + "; clconv has no dilated convolution or pooling");
        }
    }

    private static Const constant(List<Object> in, int i, String where) throws IOException {
        if (i >= in.size() || !(in.get(i) instanceof Const c)) {
            throw new IOException(where + ": its input " + (i + 1) + " is " + (i >= in.size() || in.get(i) == null ? "missing" : "computed")
                    + "; clconv needs it as a constant (an initializer)");
        }
        return c;
    }

    private static float[] floats(Const c) {
        float[] f = new float[c.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) c.values()[i];
        }
        return f;
    }

    private static float[] filled(int n, float v) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, v);
        return f;
    }

    /** A [rows, cols] constant as [cols, rows] floats. */
    private static float[] transpose(Const c) {
        int r = (int) c.dims()[0], k = (int) c.dims()[1];
        float[] t = new float[r * k];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < k; j++) {
                t[j * r + i] = (float) c.values()[i * k + j];
            }
        }
        return t;
    }
}
