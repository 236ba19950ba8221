package io.github.clconv.nn;

import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Locale;

/** Model.summary()'s table: one row per layer (name, layer, output shape per sample, parameters), then the total, as Keras prints it. */
final class Summary {
    private Summary() {
    }

    record Row(String name, String layer, Shape out, long params) {
    }

    static long params(Layer l, Shape in) {
        return l.paramShapes(in).values().stream().mapToLong(Shape::size).sum();
    }

    static String table(String title, Shape input, List<Row> rows) {
        int nameW = "layer".length(), kindW = "kind".length(), shapeW = "output".length();
        for (Row r : rows) {
            nameW = Math.max(nameW, r.name().length());
            kindW = Math.max(kindW, r.layer().length());
            shapeW = Math.max(shapeW, r.out().toString().length());
        }
        String fmt = "%-" + nameW + "s  %-" + kindW + "s  %-" + shapeW + "s  %,12d%n";
        StringBuilder sb = new StringBuilder(title).append('\n');
        sb.append(String.format(Locale.ROOT, "%-" + nameW + "s  %-" + kindW + "s  %-" + shapeW + "s  %12s%n", "layer", "kind", "output", "parameters"));
        sb.append(String.format(Locale.ROOT, "%-" + nameW + "s  %-" + kindW + "s  %-" + shapeW + "s  %12s%n", "input", "", input, ""));
        long total = 0;
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.name(), r.layer(), r.out(), r.params()));
            total += r.params();
        }
        sb.append(String.format(Locale.ROOT, "total %,d parameters", total));
        return sb.toString();
    }
}
