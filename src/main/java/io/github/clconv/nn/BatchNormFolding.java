package io.github.clconv.nn;

import io.github.clconv.backend.Backend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For inference, a batch norm right after a convolution (or a linear layer, the norm then over its
 * features) is folded into it: w' = gamma * w / sqrt(var + eps), b' = gamma * (b - mean) / sqrt(var + eps) + beta.
 * The folded model computes the same function with one layer fewer per pair (and the ReLU that
 * followed the norm becomes the layer's epilogue, Fusion). Works on the model's layer objects: in a
 * chain a conv or linear directly followed by a bn, in a graph such a node whose only reader is a bn node.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** Whether model has a conv followed directly by a batch norm. */
    public static boolean applies(Model model) {
        if (model instanceof Sequential s) {
            List<Layer> ls = s.layers();
            for (int i = 0; i + 1 < ls.size(); i++) {
                if (foldable(ls.get(i)) && ls.get(i + 1) instanceof BatchNorm) {
                    return true;
                }
            }
            return false;
        }
        return model instanceof Graph g && !pairs(g).isEmpty();
    }

    /** A new model (same backend) with every conv+bn pair folded; the original is untouched. */
    public static Model fold(Model model) {
        if (model instanceof Graph g) {
            return fold(g);
        }
        Sequential seq = (Sequential) model;
        Backend b = seq.backend();
        List<Layer> src = seq.layers(), kept = new ArrayList<>();
        List<Integer> from = new ArrayList<>();
        for (int i = 0; i < src.size(); i++) {
            if (src.get(i) instanceof BatchNorm && i > 0 && foldable(src.get(i - 1))) {
                continue;
            }
            boolean bnNext = i + 1 < src.size() && foldable(src.get(i)) && src.get(i + 1) instanceof BatchNorm;
            kept.add(bnNext ? withBias(src.get(i)) : src.get(i).fresh());
            from.add(i);
        }
        Sequential folded = new Sequential(kept, seq.input(), b, Init.HE, 0L);
        try {
            for (int j = 0; j < kept.size(); j++) {
                int i = from.get(j);
                if (i + 1 < src.size() && foldable(src.get(i)) && src.get(i + 1) instanceof BatchNorm bn) {
                    foldInto(src.get(i), bn, kept.get(j), b);
                } else {
                    copyParams(src.get(i), kept.get(j), b);
                }
            }
        } catch (RuntimeException e) {
            folded.close();
            throw e;
        }
        return folded;
    }

    /** conv node -> the bn node that is its only reader. */
    private static Map<Graph.Node, Graph.Node> pairs(Graph g) {
        Map<Graph.Node, List<Graph.Node>> readers = new HashMap<>();
        for (Graph.Node n : g.nodes()) {
            n.inputs.forEach(in -> readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n));
        }
        Map<Graph.Node, Graph.Node> out = new HashMap<>();
        for (Graph.Node n : g.nodes()) {
            List<Graph.Node> r = readers.getOrDefault(n, List.of());
            if (foldable(n.layer) && r.size() == 1 && r.get(0).layer instanceof BatchNorm && n != g.outputNode()) {
                out.put(n, r.get(0));
            }
        }
        return out;
    }

    private static Model fold(Graph g) {
        Map<Graph.Node, Graph.Node> pairs = pairs(g);
        Map<Graph.Node, Graph.Node> bnOf = new HashMap<>();
        pairs.forEach((conv, bn) -> bnOf.put(bn, conv));
        Graph.Builder nb = new Graph.Builder();
        Map<Graph.Node, Graph.Node> map = new HashMap<>(); // old node -> new node
        Map<Graph.Node, Layer> made = new HashMap<>();
        map.put(g.nodes().get(0), nb.input());
        for (Graph.Node n : g.nodes().subList(1, g.nodes().size())) {
            List<Graph.Node> in = n.inputs.stream().map(map::get).toList();
            Graph.Node copy = switch (n.kind) {
                case LAYER -> {
                    if (bnOf.containsKey(n)) {
                        yield map.get(bnOf.get(n)); // the bn is now inside the conv before it
                    }
                    Layer l = pairs.containsKey(n) ? withBias(n.layer) : n.layer.fresh();
                    made.put(n, l);
                    yield nb.layer(n.name, l, in.get(0));
                }
                case ADD -> nb.add(in.get(0), in.get(1));
                case CONCAT -> nb.concat(in.toArray(new Graph.Node[0]));
                case INPUT -> throw new IllegalStateException();
            };
            map.put(n, copy);
        }
        Graph folded = nb.build(map.get(g.outputNode()), g.input(), g.backend(), 0L, null);
        try {
            for (Map.Entry<Graph.Node, Layer> e : made.entrySet()) {
                Graph.Node n = e.getKey();
                if (pairs.containsKey(n)) {
                    foldInto(n.layer, (BatchNorm) pairs.get(n).layer, e.getValue(), g.backend());
                } else {
                    copyParams(n.layer, e.getValue(), g.backend());
                }
            }
        } catch (RuntimeException ex) {
            folded.close();
            throw ex;
        }
        return folded;
    }

    /** A layer a batch norm right after it folds into: a convolution, or a linear layer (the norm over its features). */
    private static boolean foldable(Layer l) {
        return l instanceof Conv2d || l instanceof Linear;
    }

    /** A fresh copy of l with a bias, which takes the folded norm's shift (a linear layer has one). */
    private static Layer withBias(Layer l) {
        return l instanceof Conv2d c ? new Conv2d(c.out, c.kernel, c.stride, c.pad, c.groups, true) : l.fresh();
    }

    private static io.github.clconv.backend.Buf weightOf(Layer l) {
        return l instanceof Conv2d c ? c.weight() : ((Linear) l).params.value("weight");
    }

    private static io.github.clconv.backend.Buf biasOf(Layer l) {
        return l instanceof Conv2d c ? c.biasValue() : ((Linear) l).params.value("bias");
    }

    private static void copyParams(Layer from, Layer to, Backend b) {
        List<Param> own = from.params(), dst = to.params();
        for (int p = 0; p < own.size(); p++) {
            b.copy(own.get(p).value(), dst.get(p).value());
        }
    }

    private static void foldInto(Layer layer, BatchNorm bn, Layer out, Backend b) {
        float[] w = b.download(weightOf(layer));
        float[] gamma = b.download(bn.params.value("weight")), beta = b.download(bn.params.value("bias"));
        float[] mean = b.download(bn.params.value("running_mean")), var = b.download(bn.params.value("running_var"));
        int k = gamma.length, per = w.length / k;
        float[] bias = biasOf(layer) != null ? b.download(biasOf(layer)) : new float[k];
        for (int c = 0; c < k; c++) {
            double scale = gamma[c] / Math.sqrt(var[c] + BatchNorm.EPS);
            for (int i = 0; i < per; i++) {
                w[c * per + i] = (float) (w[c * per + i] * scale);
            }
            bias[c] = (float) ((bias[c] - mean[c]) * scale + beta[c]);
        }
        b.write(weightOf(out), w);
        b.write(biasOf(out), bias);
    }
}
