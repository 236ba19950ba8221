package io.github.clconv.onnx;

import io.github.clconv.backend.Activation;
import io.github.clconv.onnx.proto.OnnxProto.GraphProto;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Activations ONNX has no operator for, written as a product with a gate of the same input:
 * SiLU as Mul(x, Sigmoid(x)), Mish as Mul(x, Tanh(Softplus(x))). Found before the nodes are
 * taken in order, so that the gate's nodes are skipped and the Mul becomes one clconv layer.
 */
final class Patterns {
    record Gate(Activation kind, String input) {
    }

    private Patterns() {
    }

    /** Per Mul node index, the activation it completes; the gate's node indices go into skip. */
    static Map<Integer, Gate> gates(GraphProto graph, Set<Integer> skip) {
        Map<String, Integer> producer = new HashMap<>();
        Map<String, Integer> readers = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = graph.getNode(i);
            int at = i;
            n.getOutputList().forEach(o -> producer.putIfAbsent(o, at));
            n.getInputList().forEach(in -> readers.merge(in, 1, Integer::sum));
        }
        graph.getOutputList().forEach(o -> readers.merge(o.getName(), 1, Integer::sum));
        Map<Integer, Gate> out = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto mul = graph.getNode(i);
            if (!mul.getOpType().equals("Mul") || mul.getInputCount() != 2) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                String x = mul.getInput(side), gate = mul.getInput(1 - side);
                Integer p = producer.get(gate);
                if (p == null || readers.getOrDefault(gate, 0) != 1) {
                    continue;
                }
                NodeProto pn = graph.getNode(p);
                if (pn.getOpType().equals("Sigmoid") && input(pn).equals(x)) {
                    skip.add(p);
                    out.put(i, new Gate(Activation.SILU, x));
                    break;
                }
                Integer q = pn.getOpType().equals("Tanh") ? producer.get(input(pn)) : null;
                if (q != null && readers.getOrDefault(input(pn), 0) == 1 && graph.getNode(q).getOpType().equals("Softplus") && input(graph.getNode(q)).equals(x)) {
                    skip.add(p);
                    skip.add(q);
                    out.put(i, new Gate(Activation.MISH, x));
                    break;
                }
            }
        }
        return out;
    }

    private static String input(NodeProto n) {
        return n.getInputCount() > 0 ? n.getInput(0) : "";
    }
}
