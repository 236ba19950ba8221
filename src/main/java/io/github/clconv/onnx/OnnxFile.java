package io.github.clconv.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.clconv.onnx.proto.OnnxProto.AttributeProto;
import io.github.clconv.onnx.proto.OnnxProto.ModelProto;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorProto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reading an ONNX file as untrusted input: the protobuf parser is limited to the file's size
 * and a shallow nesting, and a tensor's dimensions are checked against the bytes it really
 * holds before a value array is allocated.
 */
public final class OnnxFile {
    /** protobuf's own limit on one message. */
    static final long MAX_BYTES = Integer.MAX_VALUE;
    /** The most values one tensor may hold (a Java array). */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;
    /** Graphs inside attributes (If, Loop) are not imported; deeper nesting than this is refused while parsing. */
    private static final int MAX_NESTING = 24;

    private OnnxFile() {
    }

    /** Whether clconv reads file as ONNX: by its name, as ONNX files carry no magic number. */
    public static boolean isOnnx(Path file) {
        return file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    static ModelProto parse(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": " + size + " bytes; an ONNX file holds at most 2 GiB (larger models keep their weights in external"
                    + " files, which clconv does not read)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            cis.setSizeLimit((int) size);
            cis.setRecursionLimit(MAX_NESTING);
            ModelProto m = ModelProto.parseFrom(cis);
            if (!m.hasGraph()) {
                throw new IOException(file + ": not an ONNX model (no graph in it)");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            String why = String.valueOf(e.getMessage());
            why = why.contains("too large") || why.contains("truncated") ? "it ends in the middle of a field: cut short or corrupt"
                    : why.contains("nesting") ? "messages nested too deep" : why.replaceAll("\\s+", " ");
            throw new IOException(file + ": not a readable ONNX model (" + why + ")");
        }
    }

    /** A name from the file as a message can show it: one line, not too long. */
    static String printable(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() <= 80 ? t : t.substring(0, 77) + "...";
    }

    /** A constant: its dimensions and values (integers held exactly, up to 2^53). */
    record Const(long[] dims, double[] values) {
        static Const vector(double... v) {
            return new Const(new long[]{v.length}, v);
        }

        int size() {
            return values.length;
        }
    }

    /** The number of values dims describe, refused when negative or beyond a Java array. */
    static long count(long[] dims, String what) throws IOException {
        long n = 1;
        for (long d : dims) {
            if (d < 0 || d > MAX_VALUES) {
                throw new IOException(what + " has an impossible dimension " + d);
            }
            n *= d;
            if (n > MAX_VALUES) {
                throw new IOException(what + " claims more than " + MAX_VALUES + " values");
            }
        }
        return n;
    }

    static Const decode(TensorProto t, String what) throws IOException {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new IOException(what + " keeps its data in an external file; save the model with every tensor inside"
                    + " (onnx.save(model, path, save_as_external_data=False))");
        }
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = count(dims, what);
        int type = t.getDataType();
        int width = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE -> 4;
            case TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.INT64_VALUE -> 8;
            default -> throw new IOException(what + " is of ONNX data type " + type + "; clconv reads float, double, int32 and int64 tensors");
        };
        ByteString raw = t.getRawData();
        int held = !raw.isEmpty() ? raw.size() / width : switch (type) {
            case TensorProto.DataType.FLOAT_VALUE -> t.getFloatDataCount();
            case TensorProto.DataType.INT32_VALUE -> t.getInt32DataCount();
            case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
            default -> t.getInt64DataCount();
        };
        if (held != n || (!raw.isEmpty() && raw.size() % width != 0)) {
            throw new IOException(what + ": its shape " + java.util.Arrays.toString(dims) + " needs " + n + " values, the file holds "
                    + (!raw.isEmpty() ? raw.size() + " bytes" : held + " values"));
        }
        double[] v = new double[(int) n];
        if (!raw.isEmpty()) {
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (type) {
                    case TensorProto.DataType.FLOAT_VALUE -> b.getFloat();
                    case TensorProto.DataType.INT32_VALUE -> b.getInt();
                    case TensorProto.DataType.DOUBLE_VALUE -> b.getDouble();
                    default -> b.getLong();
                };
            }
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (type) {
                    case TensorProto.DataType.FLOAT_VALUE -> t.getFloatData(i);
                    case TensorProto.DataType.INT32_VALUE -> t.getInt32Data(i);
                    case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleData(i);
                    default -> t.getInt64Data(i);
                };
            }
        }
        return new Const(dims, v);
    }

    /** A Constant node's value, in any of the forms the operator allows. */
    static Const constant(NodeProto n, String what) throws IOException {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value" -> {
                    return decode(a.getT(), what);
                }
                case "value_float" -> {
                    return new Const(new long[0], new double[]{a.getF()});
                }
                case "value_int" -> {
                    return new Const(new long[0], new double[]{a.getI()});
                }
                case "value_floats" -> {
                    return Const.vector(a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray());
                }
                case "value_ints" -> {
                    return Const.vector(a.getIntsList().stream().mapToDouble(Long::doubleValue).toArray());
                }
                default -> {
                }
            }
        }
        throw new IOException(what + ": a Constant without a value clconv reads (value, value_float(s), value_int(s))");
    }

    static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long integer(NodeProto n, String name, long otherwise) {
        AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getI();
    }

    static float real(NodeProto n, String name, float otherwise) {
        AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getF();
    }

    static String string(NodeProto n, String name, String otherwise) {
        AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }

    static long[] ints(NodeProto n, String name) {
        AttributeProto a = attribute(n, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }
}
