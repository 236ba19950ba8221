package io.github.clconv.nn;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model-spec language: layers joined by '-', PyTorch names, e.g.
 * conv(20,5)-relu-maxpool(2)-flatten-linear(10). Input channels and features are
 * inferred. Blocks make a graph: res[BODY] adds the block's input to BODY's output (a
 * residual connection), res[BODY|SHORTCUT] adds SHORTCUT's instead, cat[A|B|...]
 * concatenates the branches' outputs along channels (an empty branch passes the input on).
 * Presets: lenet, lenet-bn (chains; their last linear takes the data's class count) and
 * resnet20 (a graph with PyTorch's names, see ResNet). A bad token is reported with its
 * position in the spec.
 */
public final class ModelSpec {
    public static final Map<String, String> PRESETS = Map.of(
            "lenet", "conv(20,5)-relu-maxpool(2)-conv(50,5)-relu-maxpool(2)-flatten-linear(500)-relu-linear(10)",
            "lenet-bn", "conv(32,3,p=1)-bn-relu-conv(32,3,p=1)-bn-relu-maxpool(2)-conv(64,3,p=1)-bn-relu-conv(64,3,p=1)-bn-relu-maxpool(2)"
                    + "-flatten-linear(256)-bn-relu-dropout(0.3)-linear(10)");
    /** Bounds on what a spec (perhaps from a checkpoint's metadata) may ask for before anything is built. */
    public static final int MAX_CHARS = 10_000, MAX_LAYERS = 1_000;
    private static final String KNOWN = "conv, maxpool, avgpool, gap, adaptiveavgpool, "
            + java.util.Arrays.stream(Activation.values()).map(x -> x.token).collect(java.util.stream.Collectors.joining(", "))
            + ", prelu, flatten, linear, dropout, bn, gn(G), in, ln, res[...], cat[...]";
    private static final Pattern RESNET = Pattern.compile("(resnet(?:20|18|34|50)|mobilenet_v2|vgg(?:11|16)_bn)(?:\\((\\d{1,6})\\))?");
    private static final int DEFAULT_CLASSES = 10;

    private final String text;
    private final List<Token> tokens;
    /** The class count of a ResNet preset, 0 for a chain or block spec. */
    private final int resnetClasses;
    /** The graph preset's name (resnet20, resnet18, resnet34, resnet50, mobilenet_v2), or null. */
    private final String resnet;
    /** Whether the class count may still follow the data: a preset named without one. */
    private final boolean openClasses;

    /** A layer (make) or a block (branches: res[BODY] or res[BODY|SHORTCUT], cat[A|B|...]). */
    private record Token(String text, int at, Function<Token, Layer> make, boolean residual, List<List<Token>> branches) {
        boolean block() {
            return branches != null;
        }
    }

    private ModelSpec(String text, List<Token> tokens, String resnet, int resnetClasses, boolean openClasses) {
        this.text = text;
        this.tokens = tokens;
        this.resnet = resnet;
        this.resnetClasses = resnetClasses;
        this.openClasses = openClasses;
    }

    public String text() {
        return text;
    }

    /** The input a preset was made for (ImageNet's 3x224x224 for torchvision's), or empty: the data's. */
    public java.util.Optional<Shape> defaultInput() {
        return resnet != null && !resnet.equals("resnet20") ? java.util.Optional.of(Shape.of(3, 224, 224)) : java.util.Optional.empty();
    }

    /** The presets by name, for messages and help. */
    public static final String PRESET_NAMES = "lenet, lenet-bn, resnet20, resnet18, resnet34, resnet50, mobilenet_v2, vgg11_bn, vgg16_bn";

    public static ModelSpec parse(String spec) {
        try {
            return parseSpec(spec);
        } catch (IllegalArgumentException e) {
            String near = nearPreset(spec);
            if (near != null) { // lenet_bn, resnet-20: a preset mistyped, not an unknown layer
                throw new IllegalArgumentException("model spec '" + abbreviate(spec.trim()) + "' is no preset (did you mean " + near + "?);"
                        + " the presets are " + PRESET_NAMES + ", and a spec chains layers such as conv(20,5)-relu-maxpool(2)-flatten-linear(10)");
            }
            throw e;
        }
    }

    /** The preset spec is a misspelling of (case, '-', '_' and two edits at most), or null. */
    static String nearPreset(String spec) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.contains("(") || s.length() > 20) {
            return null;
        }
        for (String p : PRESET_NAMES.split(", ")) {
            String bare = s.replaceAll("[^a-z0-9]", ""), barePreset = p.replaceAll("[^a-z0-9]", "");
            if (bare.equals(barePreset) || edits(s, p) <= 2) {
                return p;
            }
        }
        return null;
    }

    private static int edits(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static ModelSpec parseSpec(String spec) {
        String name = spec.trim();
        Matcher m = RESNET.matcher(name);
        if (m.matches()) {
            int classes = m.group(2) == null ? DEFAULT_CLASSES : Integer.parseInt(m.group(2));
            if (classes < 1 || classes > 65_535) {
                throw new IllegalArgumentException("model spec: " + m.group(1) + "(" + classes + "): the class count must lie in [1, 65535]");
            }
            return new ModelSpec(name, List.of(), m.group(1), classes, m.group(2) == null);
        }
        boolean preset = PRESETS.containsKey(name);
        String text = PRESETS.getOrDefault(name, name);
        if (text.isEmpty()) {
            throw new IllegalArgumentException("model spec is empty; try lenet");
        }
        if (text.length() > MAX_CHARS) {
            throw new IllegalArgumentException("model spec is " + text.length() + " characters long; clconv reads at most " + MAX_CHARS);
        }
        int paren = 0, bracket = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            paren += c == '(' ? 1 : c == ')' ? -1 : 0;
            bracket += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (paren < 0 || paren > 1 || bracket < 0) {
                throw new IllegalArgumentException("model spec: unbalanced " + (bracket < 0 ? "brackets" : "parentheses") + " at character " + (i + 1)
                        + " of '" + abbreviate(text) + "'");
            }
            if ((c == '[' || c == ']') && paren > 0) {
                throw new IllegalArgumentException("model spec: a bracket inside a layer's arguments at character " + (i + 1) + " of '" + abbreviate(text) + "'");
            }
        }
        if (paren != 0 || bracket != 0) {
            throw new IllegalArgumentException("model spec: missing '" + (paren != 0 ? ")" : "]") + "' at the end of '" + abbreviate(text) + "'");
        }
        int[] count = {0};
        List<Token> tokens = chain(text, 0, text.length(), count, false);
        return new ModelSpec(text, tokens, null, 0, preset);
    }

    /** The tokens of text[from, to) split at '-' outside parentheses and brackets; count: layers so far, bounded. */
    private static List<Token> chain(String text, int from, int to, int[] count, boolean mayBeEmpty) {
        List<Token> out = new ArrayList<>();
        if (mayBeEmpty && text.substring(from, to).isBlank()) {
            return out;
        }
        int depth = 0, start = from;
        for (int i = from; i <= to; i++) {
            char c = i < to ? text.charAt(i) : '-';
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == '-' && depth == 0) {
                String raw = text.substring(start, i);
                int lead = raw.length() - raw.stripLeading().length();
                out.add(token(text, raw.trim(), start + lead, count));
                start = i + 1;
            }
        }
        return out;
    }

    private static Token token(String text, String t, int at, int[] count) {
        if (++count[0] > MAX_LAYERS) {
            throw new IllegalArgumentException("model spec has more than " + MAX_LAYERS + " layers; clconv builds at most " + MAX_LAYERS);
        }
        int open = t.indexOf('[');
        if (open >= 0) {
            String kind = t.substring(0, open).trim().toLowerCase(java.util.Locale.ROOT);
            Token probe = new Token(t, at, null, false, null);
            if (!t.endsWith("]")) {
                throw error(text, probe, "a block ends with ']'");
            }
            if (!kind.equals("res") && !kind.equals("cat")) {
                throw error(text, probe, "unknown block '" + kind + "' (known: res[BODY], res[BODY|SHORTCUT], cat[A|B|...])");
            }
            List<List<Token>> branches = new ArrayList<>();
            int depth = 0, start = at + open + 1, end = at + t.length() - 1;
            for (int i = start; i <= end; i++) {
                char c = i < end ? text.charAt(i) : '|';
                depth += c == '[' || c == '(' ? 1 : c == ']' || c == ')' ? -1 : 0;
                if (c == '|' && depth == 0) {
                    branches.add(chain(text, start, i, count, true));
                    start = i + 1;
                }
            }
            boolean residual = kind.equals("res");
            if (residual && (branches.size() > 2 || branches.stream().anyMatch(List::isEmpty))) {
                throw error(text, probe, "res takes a body and at most one shortcut, neither empty: res[BODY] or res[BODY|SHORTCUT]");
            }
            return new Token(t, at, null, residual, branches);
        }
        Token probe = new Token(t, at, null, false, null);
        Token tok = new Token(t, at, maker(text, probe), false, null);
        tok.make().apply(tok); // reports bad arguments now, not at build time
        return tok;
    }

    /** One layer from one token of the grammar (conv(16,3,p=1), relu, ...), checked as in a spec; a block or preset is refused. */
    public static Layer layer(String token) {
        if (token.length() > MAX_CHARS) {
            throw new IllegalArgumentException("layer spec of " + token.length() + " characters; at most " + MAX_CHARS);
        }
        Token probe = new Token(token, 0, null, false, null);
        Token tok = new Token(token, 0, maker(token, probe), false, null);
        return tok.make().apply(tok);
    }

    /** Whether the spec needs a graph (blocks or the resnet20 preset) rather than a chain. */
    public boolean isGraph() {
        return resnetClasses > 0 || tokens.stream().anyMatch(Token::block);
    }

    /**
     * The same model for a data set of this many classes: a preset named without a class
     * count (lenet, lenet-bn, resnet20) ends in a layer of that size; any other spec is
     * returned as it is, and a mismatch is reported when the model is checked against the data.
     */
    public ModelSpec withClasses(int classes) {
        if (!openClasses || classes == DEFAULT_CLASSES) {
            return this;
        }
        if (resnetClasses > 0) {
            return parse(resnet + "(" + classes + ")");
        }
        return parse(text.substring(0, text.length() - ("linear(" + DEFAULT_CLASSES + ")").length()) + "linear(" + classes + ")");
    }

    /** For a preset whose class count follows the data: the tensor whose first dimension is that count, else null. */
    public String classifierTensor() {
        return openClasses && resnetClasses > 0 ? (resnet.startsWith("mobilenet") ? "classifier.1.weight" : resnet.startsWith("vgg") ? "classifier.6.weight"
                : "fc.weight") : null;
    }

    /** Fresh layers of a chain spec for an input of shape [C,H,W] (per sample); checks every size stays >= 1. */
    public List<Layer> layers(Shape input) {
        if (isGraph()) {
            throw new IllegalStateException("model spec '" + abbreviate(text) + "' is a graph; use build()");
        }
        List<Layer> out = new ArrayList<>();
        Shape s = input;
        for (Token t : tokens) {
            Layer l = t.make().apply(t);
            try {
                s = l.outputShape(s);
            } catch (IllegalArgumentException e) {
                throw error(text, t, e.getMessage());
            }
            out.add(l);
        }
        return out;
    }

    /** The model on b for inputs of shape [N, ...input]: a Sequential for a chain, else a Graph. */
    public Model build(Shape input, Backend b, long seed) {
        if (!isGraph()) {
            return Sequential.of(this, input, b, seed);
        }
        ResNet.Recipe r = recipe();
        try {
            r.builder().paramShapes(input); // shape errors before any allocation
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model spec: " + e.getMessage() + " (in '" + abbreviate(text) + "')");
        }
        return r.builder().build(r.output(), input, b, seed, text);
    }

    /**
     * Every parameter's state_dict name and shape for an input of shape [C,H,W], computed
     * without allocating a tensor: what a checkpoint is checked against before a model is
     * built from it. Chains name them "index.name" as Sequential does; graphs by their nodes.
     */
    public Map<String, Shape> paramShapes(Shape input) {
        if (isGraph()) {
            try {
                return recipe().builder().paramShapes(input);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model spec: " + e.getMessage() + " (in '" + abbreviate(text) + "')");
            }
        }
        Map<String, Shape> out = new LinkedHashMap<>();
        Shape s = input;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            Layer l = t.make().apply(t);
            try {
                for (Map.Entry<String, Shape> e : l.paramShapes(s).entrySet()) {
                    out.put(i + "." + e.getKey(), e.getValue());
                }
                s = l.outputShape(s);
            } catch (IllegalArgumentException e) {
                throw error(text, t, e.getMessage());
            }
        }
        return out;
    }

    /** He for ReLU-family nets, Xavier when the activations are sigmoid or tanh only: from the layers' types. */
    public Init init() {
        List<Layer> all = new ArrayList<>();
        collect(tokens, all);
        return Init.forLayers(all);
    }

    private static void collect(List<Token> ts, List<Layer> out) {
        for (Token t : ts) {
            if (t.block()) {
                t.branches().forEach(b -> collect(b, out));
            } else {
                out.add(t.make().apply(t));
            }
        }
    }

    /** A fresh graph of this spec: node names are token indices, "i.body.j" / "i.shortcut.j" in res, "i.k.j" in cat's branch k. */
    private ResNet.Recipe recipe() {
        if (resnetClasses > 0) {
            return switch (resnet) {
                case "resnet20" -> ResNet.resnet20(resnetClasses);
                case "mobilenet_v2" -> MobileNet.v2(resnetClasses);
                case "vgg11_bn", "vgg16_bn" -> Vgg.bn(Integer.parseInt(resnet.substring(3, 5)), resnetClasses);
                default -> ResNet.torchvision(Integer.parseInt(resnet.substring(6)), resnetClasses);
            };
        }
        Graph.Builder g = new Graph.Builder();
        return new ResNet.Recipe(g, chainNodes(g, g.input(), tokens, ""));
    }

    private Graph.Node chainNodes(Graph.Builder g, Graph.Node x, List<Token> ts, String prefix) {
        Graph.Node h = x;
        for (int i = 0; i < ts.size(); i++) {
            Token t = ts.get(i);
            String name = prefix + i;
            if (!t.block()) {
                h = g.layer(name, t.make().apply(t), h);
            } else if (t.residual()) {
                Graph.Node body = chainNodes(g, h, t.branches().get(0), name + ".body.");
                Graph.Node shortcut = t.branches().size() > 1 ? chainNodes(g, h, t.branches().get(1), name + ".shortcut.") : h;
                h = g.add(body, shortcut);
            } else {
                Graph.Node[] outs = new Graph.Node[t.branches().size()];
                for (int k = 0; k < outs.length; k++) {
                    outs[k] = chainNodes(g, h, t.branches().get(k), name + "." + k + ".");
                }
                h = g.concat(outs);
            }
        }
        return h;
    }

    private static IllegalArgumentException error(String text, Token t, String why) {
        return new IllegalArgumentException("model spec: " + (why.length() > 400 ? abbreviate(why) : why) + " at '" + abbreviate(t.text()) + "' (character " + (t.at() + 1)
                + " of '" + abbreviate(text) + "')");
    }

    /** Error messages quote at most 120 characters of what they are about. */
    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 100) + "... (" + s.length() + " characters)";
    }

    private static Function<Token, Layer> maker(String text, Token t) {
        String s = t.text();
        int open = s.indexOf('(');
        String name = (open < 0 ? s : s.substring(0, open)).trim().toLowerCase(java.util.Locale.ROOT);
        if (open >= 0 && !s.endsWith(")")) {
            throw error(text, t, "missing ')'");
        }
        String[] args = open < 0 ? new String[0] : s.substring(open + 1, s.length() - 1).split(",");
        if (args.length == 1 && args[0].isBlank()) {
            args = new String[0];
        }
        String[] a = args;
        return switch (name) {
            case "conv" -> tok -> {
                Args p = new Args(text, tok, a, 2, 2, "s", "p", "g", "bias");
                int k = p.pos(1, 1), groups = p.named("g", 1, 1), out = p.pos(0, 1);
                int pad = "same".equalsIgnoreCase(p.raw("p")) ? Conv2d.SAME : p.named("p", 0, 0);
                if (pad == Conv2d.SAME && k % 2 == 0) {
                    throw error(text, tok, "p=same needs an odd kernel size, got " + k);
                }
                if (out % groups != 0) {
                    throw error(text, tok, "g=" + groups + " must divide the " + out + " output channels");
                }
                int bias = p.named("bias", 1, 0);
                if (bias > 1) {
                    throw error(text, tok, "bias must be 0 or 1, got " + bias);
                }
                return new Conv2d(out, k, p.named("s", 1, 1), pad, groups, bias == 1);
            };
            case "maxpool", "avgpool" -> tok -> {
                Args p = new Args(text, tok, a, 1, 1, "s", "p");
                int k = p.pos(0, 1);
                return new Pool2d(name.equals("maxpool"), k, p.named("s", k, 1), p.named("p", 0, 0));
            };
            case "gap" -> tok -> noArgs(text, tok, a, new GlobalAvgPool());
            case "adaptiveavgpool" -> tok -> {
                Args p = new Args(text, tok, a, 1, 2);
                int oh = p.pos(0, 1);
                return new AdaptiveAvgPool(oh, a.length > 1 ? p.pos(1, 1) : oh);
            };
            case "flatten" -> tok -> noArgs(text, tok, a, new Flatten());
            case "bn" -> tok -> noArgs(text, tok, a, new BatchNorm());
            case "gn" -> tok -> GroupNorm.groups(new Args(text, tok, a, 1, 1).pos(0, 1));
            case "in" -> tok -> noArgs(text, tok, a, GroupNorm.instance());
            case "prelu" -> tok -> noArgs(text, tok, a, new PRelu());
            case "ln" -> tok -> noArgs(text, tok, a, GroupNorm.layer());
            case "leakyrelu" -> tok -> new ActivationLayer(Activation.LEAKY_RELU, (float) new Args(text, tok, a, 0, 1).real(0, 0.01, 0, 1e6));
            case "linear" -> tok -> new Linear(new Args(text, tok, a, 1, 1).pos(0, 1));
            case "dropout" -> tok -> new Dropout((float) new Args(text, tok, a, 1, 1).real(0, 0.5, 0, 0.999999));
            default -> {
                Activation act = Activation.byToken(name).filter(x -> !x.takesAlpha())
                        .orElseThrow(() -> error(text, t, "unknown layer '" + name + "' (known: " + KNOWN + ")"));
                yield tok -> noArgs(text, tok, a, new ActivationLayer(act, 0f));
            }
        };
    }

    private static Layer noArgs(String text, Token t, String[] a, Layer l) {
        if (a.length > 0) {
            throw error(text, t, "this layer takes no arguments");
        }
        return l;
    }

    /** Positional then name=value arguments of one token. */
    private static final class Args {
        private final String text;
        private final Token t;
        private final List<String> positional = new ArrayList<>();
        private final Map<String, String> named = new java.util.HashMap<>();

        Args(String text, Token t, String[] args, int minPos, int maxPos, String... names) {
            this.text = text;
            this.t = t;
            for (String raw : args) {
                String arg = raw.trim();
                int eq = arg.indexOf('=');
                if (eq < 0) {
                    if (!named.isEmpty()) {
                        throw error(text, t, "positional argument '" + arg + "' after a named one");
                    }
                    positional.add(arg);
                } else {
                    String key = arg.substring(0, eq).trim();
                    if (!List.of(names).contains(key)) {
                        throw error(text, t, "unknown argument '" + key + "' (this layer takes " + (names.length == 0 ? "none" : String.join(", ", names)) + ")");
                    }
                    named.put(key, arg.substring(eq + 1).trim());
                }
            }
            if (positional.size() < minPos || positional.size() > maxPos) {
                throw error(text, t, "expected " + (minPos == maxPos ? minPos : minPos + " to " + maxPos) + " positional arguments, got " + positional.size());
            }
        }

        int pos(int i, int min) {
            return integer(positional.get(i), min);
        }

        String raw(String key) {
            return named.get(key);
        }

        int named(String key, int dflt, int min) {
            return named.containsKey(key) ? integer(named.get(key), min) : dflt;
        }

        double real(int i, double dflt, double lo, double hi) {
            if (i >= positional.size()) {
                return dflt;
            }
            try {
                double v = Double.parseDouble(positional.get(i));
                if (!(v >= lo && v <= hi)) {
                    throw error(text, t, "argument " + v + " must lie in [" + lo + ", " + hi + "]");
                }
                return v;
            } catch (NumberFormatException e) {
                throw error(text, t, "'" + positional.get(i) + "' is not a number");
            }
        }

        private int integer(String s, int min) {
            try {
                int v = Integer.parseInt(s);
                if (v < min) {
                    throw error(text, t, "argument " + v + " must be >= " + min);
                }
                return v;
            } catch (NumberFormatException e) {
                throw error(text, t, "'" + s + "' is not a whole number");
            }
        }
    }
}
