package io.github.clconv.onnx;

import io.github.clconv.onnx.OnnxFile.Const;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Evaluates a node whose inputs are all constants (or the Shape of a computed value), as the
 * shape arithmetic exporters write around flatten and reshape: x.view(x.size(0), -1) becomes
 * Shape, Gather, Unsqueeze, Concat, Reshape. The batch size is unknown until run time: it is
 * NaN here, and stays NaN through the arithmetic, so a Reshape sees where the batch goes.
 */
final class Folding {
    static final double BATCH = Double.NaN;
    /** Constants folded here are shape vectors: a longer one is not shape arithmetic. */
    private static final int MAX_FOLDED = 1 << 16;

    private Folding() {
    }

    static Const fold(NodeProto n, List<Object> in, int opset, String where) throws IOException {
        Const c = switch (n.getOpType()) {
            case "Constant" -> OnnxFile.constant(n, where);
            case "Shape" -> shape(n, in.get(0));
            case "Identity" -> arg(in, 0, where);
            case "Cast" -> cast(arg(in, 0, where), OnnxFile.integer(n, "to", 1));
            case "Gather" -> gather(arg(in, 0, where), arg(in, 1, where), OnnxFile.integer(n, "axis", 0), where);
            case "Unsqueeze" -> unsqueeze(arg(in, 0, where), axes(n, in, opset, 13, where), where);
            case "Squeeze" -> squeeze(arg(in, 0, where), axes(n, in, opset, 13, where));
            case "Concat" -> concat(in, where);
            case "Slice" -> slice(n, in, opset, where);
            case "Reshape" -> reshape(arg(in, 0, where), arg(in, 1, where), where);
            case "Add", "Sub", "Mul", "Div" -> arithmetic(n.getOpType(), arg(in, 0, where), arg(in, 1, where), where);
            default -> throw new IOException(where + " cannot be folded to a constant");
        };
        if (c.size() > MAX_FOLDED && !n.getOpType().equals("Constant") && !n.getOpType().equals("Identity")) {
            throw new IOException(where + " computes " + c.size() + " constant values; clconv folds only shape arithmetic");
        }
        return c;
    }

    private static Const arg(List<Object> in, int i, String where) throws IOException {
        if (i >= in.size() || !(in.get(i) instanceof Const c)) {
            throw new IOException(where + " lacks its input " + (i + 1));
        }
        return c;
    }

    private static Const shape(NodeProto n, Object x) {
        double[] d;
        if (x instanceof OnnxImport.Value v) {
            d = new double[v.shape().rank() + 1];
            d[0] = BATCH;
            for (int i = 0; i < v.shape().rank(); i++) {
                d[i + 1] = v.shape().dim(i);
            }
        } else {
            d = Arrays.stream(((Const) x).dims()).asDoubleStream().toArray();
        }
        int start = (int) clamp(OnnxFile.integer(n, "start", 0), d.length), end = (int) clamp(OnnxFile.integer(n, "end", d.length), d.length);
        return Const.vector(Arrays.copyOfRange(d, start, Math.max(start, end)));
    }

    private static long clamp(long i, int n) {
        return Math.max(0, Math.min(n, i < 0 ? i + n : i));
    }

    private static Const cast(Const c, long to) {
        boolean integral = to >= 2 && to <= 7 || to == 9 || to == 12 || to == 13;
        return integral ? new Const(c.dims(), Arrays.stream(c.values()).map(v -> Double.isNaN(v) ? v : (double) (long) v).toArray()) : c;
    }

    private static Const gather(Const data, Const idx, long axis, String where) throws IOException {
        if (data.dims().length != 1 || axis != 0) {
            throw new IOException(where + " gathers from a constant of " + data.dims().length + " dimensions; clconv folds gathers from vectors");
        }
        double[] out = new double[idx.size()];
        for (int i = 0; i < out.length; i++) {
            long k = (long) idx.values()[i];
            k = k < 0 ? k + data.size() : k;
            if (k < 0 || k >= data.size()) {
                throw new IOException(where + " gathers index " + (long) idx.values()[i] + " of a vector of " + data.size());
            }
            out[i] = data.values()[(int) k];
        }
        return new Const(idx.dims().clone(), out);
    }

    private static long[] axes(NodeProto n, List<Object> in, int opset, int inputFrom, String where) throws IOException {
        if (opset >= inputFrom && in.size() > 1 && in.get(1) != null) {
            return Arrays.stream(arg(in, 1, where).values()).mapToLong(v -> (long) v).toArray();
        }
        long[] a = OnnxFile.ints(n, "axes");
        return a == null ? new long[0] : a;
    }

    private static Const unsqueeze(Const c, long[] axes, String where) throws IOException {
        int rank = c.dims().length + axes.length;
        if (rank > 8) {
            throw new IOException(where + " makes a constant of " + rank + " dimensions");
        }
        long[] d = new long[rank];
        boolean[] one = new boolean[rank];
        for (long a : axes) {
            long k = a < 0 ? a + rank : a;
            if (k < 0 || k >= rank) {
                throw new IOException(where + " has axis " + a + " outside " + rank + " dimensions");
            }
            one[(int) k] = true;
        }
        for (int i = 0, j = 0; i < rank; i++) {
            d[i] = one[i] ? 1 : c.dims()[j++];
        }
        return new Const(d, c.values());
    }

    private static Const squeeze(Const c, long[] axes) {
        long[] d = c.dims();
        List<Long> kept = new java.util.ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            int at = i;
            boolean named = axes.length == 0 ? d[i] == 1 : Arrays.stream(axes).anyMatch(a -> (a < 0 ? a + d.length : a) == at);
            if (!named) {
                kept.add(d[i]);
            }
        }
        return new Const(kept.stream().mapToLong(Long::longValue).toArray(), c.values());
    }

    private static Const concat(List<Object> in, String where) throws IOException {
        double[] out = new double[0];
        for (int i = 0; i < in.size(); i++) {
            Const c = arg(in, i, where);
            if (c.dims().length != 1) {
                throw new IOException(where + " concatenates constants of " + c.dims().length + " dimensions; clconv folds vectors");
            }
            double[] v = Arrays.copyOf(out, out.length + c.size());
            System.arraycopy(c.values(), 0, v, out.length, c.size());
            out = v;
        }
        return Const.vector(out);
    }

    private static Const slice(NodeProto n, List<Object> in, int opset, String where) throws IOException {
        Const data = arg(in, 0, where);
        if (data.dims().length != 1) {
            throw new IOException(where + " slices a constant of " + data.dims().length + " dimensions; clconv folds vectors");
        }
        long start, end, step = 1;
        if (opset >= 10) {
            start = (long) arg(in, 1, where).values()[0];
            end = (long) Math.min(Long.MAX_VALUE, arg(in, 2, where).values()[0]);
            if (in.size() > 4 && in.get(4) != null) {
                step = (long) arg(in, 4, where).values()[0];
            }
        } else {
            start = OnnxFile.ints(n, "starts")[0];
            end = OnnxFile.ints(n, "ends")[0];
        }
        if (step != 1) {
            throw new IOException(where + " slices with step " + step + "; clconv folds slices of step 1");
        }
        int s = (int) clamp(start, data.size()), e = (int) clamp(end, data.size());
        return Const.vector(Arrays.copyOfRange(data.values(), s, Math.max(s, e)));
    }

    private static Const reshape(Const data, Const shape, String where) throws IOException {
        long[] d = Arrays.stream(shape.values()).mapToLong(v -> (long) v).toArray();
        long known = 1;
        int free = -1;
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] == 0 && i < data.dims().length ? data.dims()[i] : d[i];
            if (d[i] == -1 && free < 0) {
                free = i;
            } else {
                known *= Math.max(d[i], 0);
            }
        }
        if (free >= 0 && known > 0) {
            d[free] = data.size() / known;
        }
        if (OnnxFile.count(d, where) != data.size()) {
            throw new IOException(where + " reshapes " + data.size() + " values to " + Arrays.toString(d));
        }
        return new Const(d, data.values());
    }

    private static Const arithmetic(String op, Const a, Const b, String where) throws IOException {
        if (a.size() != b.size() && a.size() != 1 && b.size() != 1) {
            throw new IOException(where + " combines constants of " + a.size() + " and " + b.size() + " values");
        }
        Const shape = a.size() >= b.size() ? a : b;
        double[] out = new double[shape.size()];
        for (int i = 0; i < out.length; i++) {
            double x = a.values()[a.size() == 1 ? 0 : i], y = b.values()[b.size() == 1 ? 0 : i];
            out[i] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                default -> x == Math.rint(x) && y == Math.rint(y) && y != 0 ? (double) ((long) x / (long) y) : x / y;
            };
        }
        return new Const(shape.dims(), out);
    }
}
