package io.github.clconv.nn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which of a model's trainable tensors a fine-tune keeps as they are. A frozen tensor gets no
 * optimiser update or state; a layer is "live" when it or a layer before it (upstream) trains,
 * and backward runs only through live layers, so with the backbone frozen only the classifier's
 * gradients are computed. A batch norm whose tensors are frozen and that is not live normalises
 * with its running statistics and keeps them (PyTorch's module.eval() on it); one that is live
 * (something before it trains) would need its batch statistics' gradient and is refused.
 */
public final class Freezing {
    private Freezing() {
    }

    /**
     * The state_dict names of model's trainable tensors that the specs freeze: "backbone" (every
     * trainable tensor but the last layer's that has any: the classifier) or name prefixes
     * ("conv1", "layer1", "layer2.0"), matched at a dot.
     */
    public static Set<String> select(Model model, List<String> specs) {
        List<NamedParam> trainable = model.params().stream().filter(p -> p.param().trainable()).toList();
        Set<String> frozen = new LinkedHashSet<>();
        for (String raw : specs) {
            String spec = raw.trim();
            if (spec.isEmpty()) {
                continue;
            }
            int before = frozen.size();
            if (spec.equals("backbone")) {
                String last = trainable.isEmpty() ? "" : layerOf(trainable.get(trainable.size() - 1).name());
                trainable.stream().filter(p -> !layerOf(p.name()).equals(last)).forEach(p -> frozen.add(p.name()));
            } else {
                trainable.stream().filter(p -> p.name().equals(spec) || p.name().startsWith(spec + ".")).forEach(p -> frozen.add(p.name()));
            }
            if (frozen.size() == before && !spec.equals("backbone")) {
                List<String> layers = new ArrayList<>(new LinkedHashSet<>(trainable.stream().map(p -> layerOf(p.name())).toList()));
                throw new IllegalArgumentException("--freeze " + spec + ": no trainable tensor of the model is named so; its layers begin "
                        + String.join(", ", layers.subList(0, Math.min(6, layers.size()))) + (layers.size() > 6 ? ", ..." : ""));
            }
        }
        if (frozen.size() == trainable.size() && !trainable.isEmpty()) {
            throw new IllegalArgumentException("--freeze " + String.join(",", specs) + " freezes every trainable tensor; leave something to train");
        }
        return frozen;
    }

    /** "layer1.0.conv1.weight" -> "layer1.0.conv1". */
    static String layerOf(String tensor) {
        int dot = tensor.lastIndexOf('.');
        return dot < 0 ? tensor : tensor.substring(0, dot);
    }

    /** The frozen names under prefix, without it ("layer1.0.conv1.weight" under "layer1.0.conv1": "weight"). */
    static Set<String> local(Set<String> frozen, String prefix) {
        Set<String> out = new java.util.HashSet<>();
        frozen.stream().filter(n -> n.startsWith(prefix + ".")).forEach(n -> out.add(n.substring(prefix.length() + 1)));
        return out;
    }

    /** Whether layer trains: it has a trainable tensor whose full name (prefix + "." + its name) is not frozen. */
    static boolean trains(Layer layer, String prefix, Set<String> frozen) {
        return layer.params().stream().anyMatch(p -> p.trainable() && !frozen.contains(prefix + "." + p.name()));
    }

    /** A frozen batch norm before anything that trains runs as in inference; a live one cannot be frozen. */
    static boolean inference(Layer layer, String prefix, Set<String> frozen, boolean live) {
        if (!(layer instanceof BatchNorm) || frozen.isEmpty() || trains(layer, prefix, frozen)
                || layer.params().stream().noneMatch(p -> frozen.contains(prefix + "." + p.name()))) {
            return false;
        }
        if (live) {
            throw new IllegalArgumentException("--freeze: batch norm " + prefix + " is frozen but layers before it train; clconv freezes batch"
                    + " norms only where nothing before them trains (freeze from the input on)");
        }
        return true;
    }
}
