package io.github.clconv.train;

import io.github.clconv.util.AtomicFiles;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.github.clconv.backend.Backend;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.tensor.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * safetensors checkpoints: an 8-byte little-endian header length, a JSON header
 * ({"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"clconv.model": spec, "clconv.input": "C,H,W"}}), then the raw
 * little-endian data. Names and layouts are those of PyTorch's nn.Sequential
 * state_dict, so the file loads into the equivalent PyTorch model and back.
 */
public final class Checkpoint {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Checkpoint.class);
    public static final String MODEL_KEY = "clconv.model", GRAPH_KEY = "clconv.graph", INPUT_KEY = "clconv.input", CLASSES_KEY = "clconv.classes",
            MEAN_KEY = "clconv.mean", STD_KEY = "clconv.std", BRIGHTNESS_KEY = "clconv.pixel_mean";
    /** What an import changed on the way (a dropped softmax), said when the model is loaded. */
    static final String NOTES_KEY = "clconv.import_notes";
    private static final long MAX_HEADER = 100L << 20;
    /** Values per input image a checkpoint may declare: 4096 x 4096 x 4, far above any image clconv trains on. */
    private static final int MAX_INPUT = 1 << 26;

    /** What a file holds: its metadata and tensors, each with its shape. */
    public record Contents(Map<String, String> metadata, Map<String, Shape> shapes, Map<String, float[]> tensors) {
        public String spec(Path file) throws IOException {
            String s = metadata.get(MODEL_KEY);
            if (s == null) {
                throw new IOException(file + ": no model spec in the metadata (key " + MODEL_KEY + "); give the model spec it was built with (--model on the command line)");
            }
            return s;
        }

        /** The class names the model was trained with (a JSON array in the metadata), or an empty list. */
        public java.util.List<String> classNames() {
            String s = metadata.get(CLASSES_KEY);
            if (s == null) {
                return java.util.List.of();
            }
            try {
                java.util.List<String> out = new java.util.ArrayList<>();
                for (JsonElement e : JsonParser.parseString(s).getAsJsonArray()) {
                    out.add(e.getAsString());
                }
                return out;
            } catch (RuntimeException e) {
                return java.util.List.of(); // names are a convenience: a bad list only loses them
            }
        }

        /** {mean, std} per channel when the model was trained on normalised data (--normalize), else null. */
        public double[][] normalization(Path file) throws IOException {
            String m = metadata.get(MEAN_KEY), s = metadata.get(STD_KEY);
            if (m == null && s == null) {
                return null;
            }
            try {
                double[] mean = java.util.Arrays.stream(m.split(",")).mapToDouble(Double::parseDouble).toArray();
                double[] std = java.util.Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
                if (mean.length != std.length || mean.length > 4096
                        || java.util.Arrays.stream(std).anyMatch(v -> !(v >= 0) || !Double.isFinite(v)) || java.util.Arrays.stream(mean).anyMatch(v -> !Double.isFinite(v))) {
                    throw new IllegalArgumentException();
                }
                return new double[][]{mean, std};
            } catch (RuntimeException e) {
                throw new IOException(file + ": bad normalisation in the metadata (" + MEAN_KEY + ", " + STD_KEY + "): expected comma-separated"
                        + " finite numbers, one per channel");
            }
        }

        public Shape input(Path file) throws IOException {
            String s = metadata.getOrDefault(INPUT_KEY, "1,28,28");
            Shape in;
            try {
                String[] p = s.split(",");
                if (p.length != 3) {
                    throw new IllegalArgumentException();
                }
                in = Shape.of(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), Integer.parseInt(p[2].trim()));
            } catch (RuntimeException e) {
                throw new IOException(file + ": bad input shape '" + abbreviate(s) + "' in the metadata (expected C,H,W)");
            }
            if (in.size() > MAX_INPUT) {
                throw new IOException(file + ": the metadata's input shape " + in + " has " + in.size() + " values per image; clconv takes at most "
                        + MAX_INPUT + ", so the file is corrupt or not clconv's");
            }
            return in;
        }
    }

    private Checkpoint() {
    }

    record Entry(String name, String dtype, int[] shape, byte[] bytes) {
    }

    /** Writes every tensor of model to file, atomically: a temporary file renamed into place. */
    public static void save(Model model, Path file) throws IOException {
        save(model, file, java.util.List.of());
    }

    /** The same, with the class names (in label order) kept in the metadata for predict. */
    public static void save(Model model, Path file, java.util.List<String> classNames) throws IOException {
        save(model, file, classNames, null);
    }

    /** normalization: {mean, std} per channel the data was normalised with (null: none), kept for eval and predict. */
    public static void save(Model model, Path file, java.util.List<String> classNames, double[][] normalization) throws IOException {
        save(model, file, classNames, normalization, Map.of());
    }

    /** extra: more metadata entries (TrainingState's generation, which pairs a model file with its state file). */
    static void save(Model model, Path file, java.util.List<String> classNames, double[][] normalization, Map<String, String> extra)
            throws IOException {
        Backend b = model.backend();
        java.util.List<Entry> entries = new java.util.ArrayList<>();
        for (NamedParam p : model.params()) {
            float[] v = b.download(p.param().value());
            int bad = nonFinite(v);
            if (bad > 0) {
                throw new IOException(file + ": not saved: tensor " + p.name() + " holds " + bad + " NaN or infinite values (training diverged;"
                        + " try a smaller learning rate)");
            }
            ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(v);
            entries.add(new Entry(p.name(), "F32", p.param().value().shape().dims(), bb.array()));
            if (p.name().endsWith(".running_var")) { // PyTorch's BatchNorm state_dict also holds this int64 counter
                entries.add(new Entry(p.name().replace(".running_var", ".num_batches_tracked"), "I64", new int[0], new byte[8]));
            }
        }
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        if (model.spec() != null) {
            meta.addProperty(MODEL_KEY, model.spec());
        } else if (model instanceof io.github.clconv.nn.Graph g) { // built in Java: its nodes, so that the file alone rebuilds it
            meta.addProperty(GRAPH_KEY, io.github.clconv.nn.GraphStructure.write(g));
        }
        describe(model, classNames, normalization).forEach(meta::addProperty);
        extra.forEach(meta::addProperty);
        write(file, meta, entries);
    }

    /** One F32 tensor for write(). */
    static Entry tensor(String name, int[] shape, float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return new Entry(name, "F32", shape, bb.array());
    }

    /** A safetensors file of these entries with this metadata, written atomically. */
    static void write(Path file, JsonObject meta, java.util.List<Entry> entries) throws IOException {
        JsonObject header = new JsonObject();
        header.add("__metadata__", meta);
        long offset = 0;
        for (Entry e : entries) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", e.dtype());
            com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
            for (int d : e.shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            com.google.gson.JsonArray off = new com.google.gson.JsonArray();
            off.add(offset);
            off.add(offset + e.bytes().length);
            t.add("data_offsets", off);
            header.add(e.name(), t);
            offset += e.bytes().length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // the format aligns the data section to 8 bytes with spaces
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad);
            out.write(len.array());
            out.write(json);
            out.write(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
            for (Entry e : entries) {
                out.write(e.bytes());
            }
        });
    }

    /** Reads and validates a safetensors file, or a state_dict PyTorch saved (TorchFile): every size and offset is checked before anything is allocated. */
    public static Contents read(Path file) throws IOException {
        io.github.clconv.util.InputFiles.checkReadable(file);
        if (io.github.clconv.onnx.OnnxFile.isOnnx(file)) {
            return onnx(file);
        }
        if (TorchFile.isZip(file)) {
            return TorchFile.read(file); // PyTorch's .pth/.pt: a state_dict, no metadata
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": not a safetensors file (" + size + " bytes, shorter than the 8-byte header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new IOException(file + ": header length " + headerLen + " is impossible for a file of " + size + " bytes; the file is corrupt or not safetensors");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            JsonObject header;
            try {
                JsonElement el = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8));
                if (!el.isJsonObject()) {
                    throw new IOException(file + ": the header is not a JSON object");
                }
                header = el.getAsJsonObject();
            } catch (JsonParseException e) {
                throw new IOException(file + ": the header is not valid JSON (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            checkDisjoint(file, header);
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Shape> shapes = new LinkedHashMap<>();
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                String name = e.getKey();
                Field f = new Field(file, name);
                if (name.equals("__metadata__")) {
                    for (Map.Entry<String, JsonElement> m : f.object(e.getValue()).entrySet()) {
                        meta.put(m.getKey(), f.string(m.getValue(), m.getKey()));
                    }
                    continue;
                }
                JsonObject t = f.object(e.getValue());
                String dtype = f.string(t.get("dtype"), "dtype");
                JsonArray offsets = f.array(t.get("data_offsets"), "data_offsets"), shape = f.array(t.get("shape"), "shape");
                if (offsets.size() != 2) {
                    throw f.malformed("data_offsets must hold two numbers");
                }
                long begin = f.integer(offsets.get(0), "data_offsets"), end = f.integer(offsets.get(1), "data_offsets");
                if (begin < 0 || end < begin || end > dataLen) {
                    throw new IOException(file + ": tensor " + name + " claims bytes [" + begin + ", " + end + ") but the data section has " + dataLen);
                }
                if (shape.size() > Shape.MAX_RANK) {
                    throw new IOException(file + ": tensor " + name + " has " + shape.size() + " dimensions; clconv's tensors have at most " + Shape.MAX_RANK);
                }
                long count = 1;
                int[] dims = new int[shape.size()];
                for (int i = 0; i < dims.length; i++) {
                    long d = f.integer(shape.get(i), "shape");
                    if (d < 0 || d > Integer.MAX_VALUE || (count *= Math.max(d, 1)) > Integer.MAX_VALUE) {
                        throw new IOException(file + ": tensor " + name + " has an absurd shape " + shape);
                    }
                    dims[i] = (int) d;
                }
                if (name.endsWith(".num_batches_tracked")) {
                    continue; // PyTorch's BatchNorm counter; clconv uses a fixed momentum and ignores it
                }
                if (!dtype.equals("F32")) {
                    throw new IOException(file + ": tensor " + name + " is " + dtype + "; clconv reads F32 tensors only");
                }
                if (end - begin != 4 * count) {
                    throw new IOException(file + ": tensor " + name + " of shape " + shape + " needs " + 4 * count + " bytes but claims " + (end - begin));
                }
                ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + begin, file);
                float[] v = new float[(int) count];
                data.flip().asFloatBuffer().get(v);
                int bad = nonFinite(v);
                if (bad > 0) {
                    throw new IOException(file + ": tensor " + name + " holds " + bad + " NaN or infinite values; it was saved from a"
                            + " diverged model, retrain it with a smaller learning rate");
                }
                shapes.put(name, dims.length == 0 ? Shape.of(1) : Shape.of(dims));
                tensors.put(name, v);
            }
            return new Contents(meta, shapes, tensors);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(file + ": permission denied; make it readable or pass another file");
        }
    }

    /** Two tensors whose data_offsets share bytes are refused, as the safetensors library does (one write would change both). */
    private static void checkDisjoint(Path file, JsonObject header) throws IOException {
        List<long[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__") || !e.getValue().isJsonObject()) {
                continue;
            }
            JsonElement o = e.getValue().getAsJsonObject().get("data_offsets");
            if (o == null || !o.isJsonArray() || o.getAsJsonArray().size() != 2) {
                continue; // the main pass names what is malformed
            }
            try {
                long begin = o.getAsJsonArray().get(0).getAsLong(), end = o.getAsJsonArray().get(1).getAsLong();
                if (end > begin) {
                    spans.add(new long[]{begin, end, names.size()});
                    names.add(e.getKey());
                }
            } catch (RuntimeException notANumber) {
                // the main pass names it
            }
        }
        spans.sort(java.util.Comparator.comparingLong(a -> a[0]));
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i)[0] < spans.get(i - 1)[1]) {
                throw new IOException(file + ": tensors " + names.get((int) spans.get(i - 1)[2]) + " and " + names.get((int) spans.get(i)[2])
                        + " share bytes of the data section (data_offsets overlap); the file is corrupt or crafted");
            }
        }
    }

    /** Typed access to one header entry; anything of the wrong kind is an error naming the entry. */
    private record Field(Path file, String entry) {
        IOException malformed(String why) {
            return new IOException(file + ": entry " + entry + " of the header is malformed (" + why + ")");
        }

        JsonObject object(JsonElement el) throws IOException {
            if (el == null || !el.isJsonObject()) {
                throw malformed("expected a JSON object, got " + el);
            }
            return el.getAsJsonObject();
        }

        JsonArray array(JsonElement el, String key) throws IOException {
            if (el == null || !el.isJsonArray()) {
                throw malformed(key + " must be an array, got " + el);
            }
            return el.getAsJsonArray();
        }

        String string(JsonElement el, String key) throws IOException {
            if (el == null || !el.isJsonPrimitive() || !el.getAsJsonPrimitive().isString()) {
                throw malformed(key + " must be a string, got " + el);
            }
            return el.getAsString();
        }

        long integer(JsonElement el, String key) throws IOException {
            if (el == null || !el.isJsonPrimitive() || !el.getAsJsonPrimitive().isNumber()) {
                throw malformed(key + " must hold whole numbers, got " + el);
            }
            double d = el.getAsDouble();
            if (d != Math.rint(d) || Math.abs(d) > 1e18) {
                throw malformed(key + " must hold whole numbers, got " + el);
            }
            return el.getAsLong();
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new IOException(file + ": truncated");
            }
        }
    }

    private static String join(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.length() == 0 ? "" : ",").append(x);
        }
        return b.toString();
    }

    private static int nonFinite(float[] v) {
        int n = 0;
        for (float x : v) {
            n += Float.isFinite(x) ? 0 : 1;
        }
        return n;
    }

    /**
     * Checks, before a model is built, that the file holds every tensor the model will have
     * (wanted: name to shape, as ModelSpec.paramShapes gives them) with its exact shape, and
     * nothing else that a model would need: a spec or input shape in the metadata cannot make
     * clconv allocate more than the file holds.
     */
    public static void check(Map<String, Shape> wanted, Contents c, Path file) throws IOException {
        java.util.List<String> missing = new java.util.ArrayList<>(), unexpected = new java.util.ArrayList<>(), mismatched = new java.util.ArrayList<>();
        for (Map.Entry<String, Shape> w : wanted.entrySet()) {
            Shape got = c.shapes().get(w.getKey());
            if (got == null) {
                missing.add(w.getKey() + " " + w.getValue());
            } else if (!got.equals(w.getValue())) {
                mismatched.add(w.getKey() + ": " + got + " in the file, " + w.getValue() + " in the model");
            }
        }
        for (String name : c.shapes().keySet()) {
            if (!wanted.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty()) {
            return;
        }
        // all three lists, as PyTorch's load_state_dict(strict=True) reports them: the first few of each, with counts
        StringBuilder m = new StringBuilder(file + ": the checkpoint does not fit the model (saved from another model?):");
        String sep = " ";
        for (Object[] part : new Object[][]{{"missing", missing}, {"unexpected", unexpected}, {"shape mismatch", mismatched}}) {
            @SuppressWarnings("unchecked")
            java.util.List<String> names = (java.util.List<String>) part[1];
            if (!names.isEmpty()) {
                m.append(sep).append(part[0]).append(' ').append(names.size()).append(" (").append(String.join(", ", names.subList(0, Math.min(4, names.size()))))
                        .append(names.size() > 4 ? ", ..." : "").append(')');
                sep = "; ";
            }
        }
        throw new IOException(m.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 50) + "... (" + s.length() + " characters)";
    }

    /** Copies the file's tensors into model; every model tensor must be present with its exact shape. */
    public static void restore(Model model, Contents c, Path file) throws IOException {
        restore(model, c, file, java.util.Set.of());
    }

    /** The same, leaving the tensors named in fresh as the model initialised them (a new classifier). */
    public static void restore(Model model, Contents c, Path file, java.util.Set<String> fresh) throws IOException {
        Map<String, Shape> wanted = new LinkedHashMap<>();
        for (NamedParam p : model.params()) {
            if (!fresh.contains(p.name())) {
                wanted.put(p.name(), p.param().value().shape());
            }
        }
        check(wanted, c, file);
        for (NamedParam p : model.params()) {
            if (!fresh.contains(p.name())) {
                model.backend().write(p.param().value(), c.tensors().get(p.name()));
            }
        }
    }

    /** The model a checkpoint holds (its spec and input shape from the metadata), built on b with the file's values. */
    public static Model load(Path file, Backend b) throws IOException {
        return load(file, null, null, 0, b, 0L);
    }

    /**
     * spec and input: null to take them from the metadata. classes: the data's class count,
     * which a preset named without one takes (0: from the file's classifier tensor). Every
     * tensor's shape is checked against the file before anything is allocated. seed: the
     * random state of layers that draw (dropout).
     */
    public static Model load(Path file, String spec, Shape input, int classes, Backend b, long seed) throws IOException {
        Contents c = read(file);
        Shape in = input != null ? input : c.input(file);
        if (spec == null && !c.metadata().containsKey(MODEL_KEY) && c.metadata().containsKey(GRAPH_KEY)) {
            io.github.clconv.nn.GraphStructure.Parsed g;
            java.util.Set<String> fresh = java.util.Set.of();
            if (c.metadata().containsKey(NOTES_KEY)) {
                c.metadata().get(NOTES_KEY).lines().forEach(log::info);
            }
            try {
                g = io.github.clconv.nn.GraphStructure.read(c.metadata().get(GRAPH_KEY), classes);
                Map<String, Shape> wanted = new LinkedHashMap<>(g.builder().paramShapes(in));
                if (g.newHead() != null) {
                    fresh = java.util.Set.of(g.newHead() + ".weight", g.newHead() + ".bias");
                    log.warn("{}: its classifier {} has {} classes and the data {}; the classifier starts afresh, the rest is loaded", file,
                            g.newHead(), c.shapes().get(g.newHead() + ".bias").dim(0), classes);
                    c = withoutHead(c, g.newHead() + ".weight");
                    wanted.keySet().removeAll(fresh);
                }
                check(wanted, c, file);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IOException(file + ": its graph (metadata key " + GRAPH_KEY + ") cannot be rebuilt: " + e.getMessage());
            }
            Model m = g.builder().build(g.output(), in, b, seed);
            try {
                restore(m, c, file, fresh);
            } catch (IOException | RuntimeException e) {
                m.close();
                throw e;
            }
            return m;
        }
        ModelSpec parsed = ModelSpec.parse(spec != null ? spec : c.spec(file));
        String classifier = parsed.classifierTensor();
        boolean newHead = false;
        if (classifier != null && c.shapes().containsKey(classifier)) {
            int held = c.shapes().get(classifier).dim(0);
            // fine-tuning: the data's classes differ from the file's (1000 for ImageNet weights), so the classifier starts afresh
            newHead = classes > 0 && classes != held;
            parsed = parsed.withClasses(newHead ? classes : held);
            if (newHead) {
                log.warn("{}: its classifier {} has {} classes and the data {}; the classifier starts afresh, the rest is loaded", file,
                        classifier.substring(0, classifier.lastIndexOf('.')), held, classes);
                c = withoutHead(c, classifier);
            }
        } else if (classes > 0) {
            parsed = parsed.withClasses(classes);
        }
        java.util.Set<String> fresh = newHead ? java.util.Set.of(classifier, head(classifier) + ".bias") : java.util.Set.of();
        try {
            Map<String, Shape> wanted = new LinkedHashMap<>(parsed.paramShapes(in));
            wanted.keySet().removeAll(fresh);
            check(wanted, c, file);
        } catch (IOException e) {
            String held = c.metadata().get(MODEL_KEY);
            if (spec != null && held != null && !held.equals(spec.trim())) { // a spec given over the file's own
                throw new IOException(e.getMessage() + "; the file holds the model '" + (held.length() > 120 ? held.substring(0, 100) + "..." : held)
                        + "': load it without a spec (drop --model) to use it as it is");
            }
            throw e;
        }
        Model m = parsed.build(in, b, seed);
        try {
            restore(m, c, file, fresh);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** An ONNX model as Contents: its graph as clconv's graph structure, its tensors, and the clconv metadata it carries. */
    private static Contents onnx(Path file) throws IOException {
        io.github.clconv.onnx.OnnxImport.Imported im = io.github.clconv.onnx.OnnxImport.read(file);
        Map<String, String> meta = new LinkedHashMap<>();
        for (String k : new String[]{CLASSES_KEY, MEAN_KEY, STD_KEY, BRIGHTNESS_KEY}) {
            if (im.properties().containsKey(k)) {
                meta.put(k, im.properties().get(k));
            }
        }
        meta.put(GRAPH_KEY, io.github.clconv.nn.GraphStructure.write(im.builder(), im.output()));
        meta.put(INPUT_KEY, im.input().dim(0) + "," + im.input().dim(1) + "," + im.input().dim(2));
        if (!im.notes().isEmpty()) {
            meta.put(NOTES_KEY, String.join("\n", im.notes()));
        }
        return new Contents(meta, im.shapes(), im.tensors());
    }

    /** The metadata clconv would write beside a model (input shape, classes, normalisation), for an export to another format. */
    public static Map<String, String> describe(Model model, java.util.List<String> classNames, double[][] normalization) {
        Map<String, String> meta = new LinkedHashMap<>();
        Shape in = model.input();
        meta.put(INPUT_KEY, in.dim(0) + "," + in.dim(1) + "," + in.dim(2));
        if (normalization != null) {
            meta.put(MEAN_KEY, join(normalization[0]));
            meta.put(STD_KEY, join(normalization[1]));
        }
        if (!classNames.isEmpty()) {
            com.google.gson.JsonArray names = new com.google.gson.JsonArray();
            classNames.forEach(names::add);
            meta.put(CLASSES_KEY, names.toString());
        }
        return meta;
    }

    private static String head(String classifierWeight) {
        return classifierWeight.substring(0, classifierWeight.lastIndexOf('.'));
    }

    /** c without the classifier's weight and bias. */
    private static Contents withoutHead(Contents c, String classifier) {
        Map<String, Shape> shapes = new LinkedHashMap<>(c.shapes());
        Map<String, float[]> tensors = new LinkedHashMap<>(c.tensors());
        for (String n : new String[]{classifier, head(classifier) + ".bias"}) {
            shapes.remove(n);
            tensors.remove(n);
        }
        return new Contents(c.metadata(), shapes, tensors);
    }
}
