package io.github.clconv.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.util.ArrayList;
import java.util.List;

/**
 * A graph built in Java, written as JSON into its checkpoint so that the file alone rebuilds
 * it (a graph that a spec made keeps its spec instead):
 * <pre>{"nodes": [{"name": "stem", "layer": "conv(16,3,p=1,bias=0)", "in": [0]}, {"name": "add5", "add": [3, 4]}, ...], "output": 9}</pre>
 * Node 0 is the input; every node reads only nodes before it (so the file cannot make a
 * cycle), each layer is one token of the spec grammar, checked as a spec is.
 */
public final class GraphStructure {
    private GraphStructure() {
    }

    /** The structure of g, for a checkpoint's metadata. */
    public static String write(Graph g) {
        return write(g.nodes(), g.outputNode());
    }

    /** The structure of a graph not built yet (one imported from a file). */
    public static String write(Graph.Builder b, Graph.Node output) {
        return write(b.nodes(), output);
    }

    private static String write(List<Graph.Node> all, Graph.Node output) {
        JsonArray nodes = new JsonArray();
        for (Graph.Node n : all.subList(1, all.size())) {
            JsonObject o = new JsonObject();
            o.addProperty("name", n.name);
            JsonArray in = new JsonArray();
            n.inputs.forEach(i -> in.add(i.id));
            switch (n.kind) {
                case LAYER -> {
                    o.addProperty("layer", n.layer.spec());
                    o.add("in", in);
                }
                case ADD -> o.add("add", in);
                case CONCAT -> o.add("concat", in);
                case INPUT -> throw new IllegalStateException("a second input node");
            }
            nodes.add(o);
        }
        JsonObject root = new JsonObject();
        root.add("nodes", nodes);
        root.addProperty("output", output.id);
        return root.toString();
    }

    /** A builder and its output node, made from write()'s text; anything malformed is an IllegalArgumentException saying what. */
    public record Parsed(Graph.Builder builder, Graph.Node output, String newHead) {
    }

    public static Parsed read(String json) {
        return read(json, 0);
    }

    /**
     * classes > 0: when the output node is a linear layer of another size (an ImageNet
     * classifier and the data's few classes), it is made anew at that size; newHead names it.
     */
    public static Parsed read(String json, int classes) {
        try {
            JsonObject root = JsonParser.parseString(json).getAsJsonObject();
            JsonArray nodes = root.getAsJsonArray("nodes");
            int out = root.get("output").getAsInt();
            String newHead = null;
            if (nodes.size() > ModelSpec.MAX_LAYERS) {
                throw new IllegalArgumentException(nodes.size() + " nodes; clconv builds at most " + ModelSpec.MAX_LAYERS);
            }
            Graph.Builder b = new Graph.Builder();
            List<Graph.Node> made = new ArrayList<>(List.of(b.input()));
            for (JsonElement e : nodes) {
                JsonObject o = e.getAsJsonObject();
                String name = o.get("name").getAsString();
                if (o.has("layer")) {
                    List<Graph.Node> in = inputs(o.getAsJsonArray("in"), made, name);
                    if (in.size() != 1) {
                        throw new IllegalArgumentException("layer node " + name + " needs one input");
                    }
                    Layer layer = ModelSpec.layer(o.get("layer").getAsString());
                    if (made.size() == out && classes > 0 && layer instanceof Linear head && head.out != classes) {
                        layer = new Linear(classes);
                        newHead = name;
                    }
                    made.add(b.layer(name, layer, in.get(0)));
                } else if (o.has("add")) {
                    List<Graph.Node> in = inputs(o.getAsJsonArray("add"), made, name);
                    if (in.size() != 2) {
                        throw new IllegalArgumentException("add node " + name + " needs two inputs");
                    }
                    made.add(b.add(in.get(0), in.get(1)));
                } else if (o.has("concat")) {
                    made.add(b.concat(inputs(o.getAsJsonArray("concat"), made, name).toArray(new Graph.Node[0])));
                } else {
                    throw new IllegalArgumentException("node " + name + " is neither a layer, an add nor a concat");
                }
            }
            if (out < 1 || out >= made.size()) {
                throw new IllegalArgumentException("output node " + out + " does not exist");
            }
            return new Parsed(b, made.get(out), newHead);
        } catch (IllegalStateException | NullPointerException | UnsupportedOperationException | ClassCastException
                 | com.google.gson.JsonParseException | NumberFormatException e) {
            throw new IllegalArgumentException("malformed graph structure (" + e.getMessage() + ")");
        }
    }

    private static List<Graph.Node> inputs(JsonArray ids, List<Graph.Node> made, String name) {
        List<Graph.Node> in = new ArrayList<>();
        for (JsonElement id : ids) {
            int i = id.getAsInt();
            if (i < 0 || i >= made.size()) {
                throw new IllegalArgumentException("node " + name + " reads node " + i + ", which does not come before it");
            }
            in.add(made.get(i));
        }
        return in;
    }
}
