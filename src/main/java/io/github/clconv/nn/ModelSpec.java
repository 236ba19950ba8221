package io.github.clconv.nn;

import io.github.clconv.backend.Activation;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The model-spec language: layers joined by '-', PyTorch names, e.g.
 * conv(20,5)-relu-maxpool(2)-flatten-linear(10). Input channels and features are
 * inferred. A bad token is reported with its position in the spec.
 */
public final class ModelSpec {
    public static final Map<String, String> PRESETS = Map.of(
            "lenet", "conv(20,5)-relu-maxpool(2)-conv(50,5)-relu-maxpool(2)-flatten-linear(500)-relu-linear(10)",
            "lenet-bn", "conv(32,3,p=1)-bn-relu-conv(32,3,p=1)-bn-relu-maxpool(2)-conv(64,3,p=1)-bn-relu-conv(64,3,p=1)-bn-relu-maxpool(2)"
                    + "-flatten-linear(256)-bn-relu-dropout(0.3)-linear(10)");
    /** Bounds on what a spec (perhaps from a checkpoint's metadata) may ask for before anything is built. */
    public static final int MAX_CHARS = 10_000, MAX_LAYERS = 1_000;
    private static final String KNOWN = "conv, maxpool, avgpool, relu, leakyrelu, sigmoid, tanh, flatten, linear, dropout, bn";

    private final String text;
    private final List<Token> tokens;

    private record Token(String text, int at, Function<Token, Layer> make) {
    }

    private ModelSpec(String text, List<Token> tokens) {
        this.text = text;
        this.tokens = tokens;
    }

    public String text() {
        return text;
    }

    public static ModelSpec parse(String spec) {
        String text = PRESETS.getOrDefault(spec.trim(), spec.trim());
        if (text.isEmpty()) {
            throw new IllegalArgumentException("model spec is empty; try --model lenet");
        }
        if (text.length() > MAX_CHARS) {
            throw new IllegalArgumentException("model spec is " + text.length() + " characters long; clconv reads at most " + MAX_CHARS);
        }
        int open = 0;
        for (int i = 0; i < text.length(); i++) {
            open += text.charAt(i) == '(' ? 1 : text.charAt(i) == ')' ? -1 : 0;
            if (open < 0 || open > 1) {
                throw new IllegalArgumentException("model spec: unbalanced parentheses at character " + (i + 1) + " of '" + text + "'");
            }
        }
        if (open != 0) {
            throw new IllegalArgumentException("model spec: missing ')' at the end of '" + text + "'");
        }
        List<Token> tokens = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '-';
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '-' && depth == 0) {
                String t = text.substring(start, i).trim();
                Token probe = new Token(t, start, null);
                tokens.add(new Token(t, start, maker(text, probe)));
                start = i + 1;
            }
        }
        if (tokens.size() > MAX_LAYERS) {
            throw new IllegalArgumentException("model spec has " + tokens.size() + " layers; clconv builds at most " + MAX_LAYERS);
        }
        ModelSpec s = new ModelSpec(text, tokens);
        for (Token t : tokens) {
            t.make().apply(t); // reports bad arguments now, not at build time
        }
        return s;
    }

    /** Fresh layers for an input of shape [C,H,W] (per sample); checks every size stays >= 1. */
    public List<Layer> layers(Shape input) {
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

    /**
     * Every parameter's state_dict name ("index.name", as Sequential names them) and shape
     * for an input of shape [C,H,W], computed without allocating a tensor: what a
     * checkpoint is checked against before a model is built from it.
     */
    public Map<String, Shape> paramShapes(Shape input) {
        Map<String, Shape> out = new java.util.LinkedHashMap<>();
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

    /** He for ReLU-family nets, Xavier when the activations are sigmoid or tanh only. */
    public Init init() {
        boolean relu = text.contains("relu"), squash = text.contains("sigmoid") || text.contains("tanh");
        return squash && !relu ? Init.XAVIER : Init.HE;
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
        String name = (open < 0 ? s : s.substring(0, open)).trim().toLowerCase();
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
                Args p = new Args(text, tok, a, 2, 2, "s", "p");
                return new Conv2d(p.pos(0, 1), p.pos(1, 1), p.named("s", 1, 1), p.named("p", 0, 0));
            };
            case "maxpool", "avgpool" -> tok -> {
                Args p = new Args(text, tok, a, 1, 1, "s");
                int k = p.pos(0, 1);
                return new Pool2d(name.equals("maxpool"), k, p.named("s", k, 1));
            };
            case "relu" -> tok -> noArgs(text, tok, a, new ActivationLayer(Activation.RELU, 0f));
            case "sigmoid" -> tok -> noArgs(text, tok, a, new ActivationLayer(Activation.SIGMOID, 0f));
            case "tanh" -> tok -> noArgs(text, tok, a, new ActivationLayer(Activation.TANH, 0f));
            case "flatten" -> tok -> noArgs(text, tok, a, new Flatten());
            case "bn" -> tok -> noArgs(text, tok, a, new BatchNorm());
            case "leakyrelu" -> tok -> new ActivationLayer(Activation.LEAKY_RELU, (float) new Args(text, tok, a, 0, 1).real(0, 0.01, 0, 1e6));
            case "linear" -> tok -> new Linear(new Args(text, tok, a, 1, 1).pos(0, 1));
            case "dropout" -> tok -> new Dropout((float) new Args(text, tok, a, 1, 1).real(0, 0.5, 0, 0.999999));
            default -> throw error(text, t, "unknown layer '" + name + "' (known: " + KNOWN + ")");
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
