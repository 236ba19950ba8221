package io.github.clconv.onnx;

import io.github.clconv.onnx.proto.OnnxProto.NodeProto;

import java.util.Map;

/** clconv layer names for imported nodes: the state_dict prefix when the exporter kept it, else the node's module scope. */
final class Names {
    private static final int MAX_LENGTH = 200;

    private Names() {
    }

    /** "layer1.0.conv1" from a weight initializer "layer1.0.conv1.weight"; the node's scope when the weight has no such name (folded). */
    static String fromWeight(NodeProto n, Map<String, float[]> params) {
        String w = n.getInputCount() > 1 ? n.getInput(1) : "";
        if (w.endsWith(".weight") && w.length() > ".weight".length() && w.length() <= MAX_LENGTH) {
            return clean(w.substring(0, w.length() - ".weight".length()));
        }
        return fromNode(n);
    }

    /**
     * PyTorch names a node by its module path, each level repeating its parent's name:
     * "/layer1/layer1.0/conv1/Conv" is the module layer1.0.conv1.
     */
    static String fromNode(NodeProto n) {
        String[] parts = n.getName().split("/");
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty() || (i == parts.length - 1 && parts.length > 1 && p.equals(n.getOpType()))) {
                continue;
            }
            if (name.length() == 0 || p.startsWith(name + ".")) {
                name.setLength(0);
                name.append(p);
            } else {
                name.append('.').append(p);
            }
        }
        String s = clean(name.toString());
        return s.isEmpty() ? n.getOpType().toLowerCase(java.util.Locale.ROOT) : s;
    }

    private static String clean(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        return t.length() > MAX_LENGTH ? t.substring(0, MAX_LENGTH) : t;
    }
}
