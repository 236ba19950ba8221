package io.github.clconv.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The values a hyperparameter search tries, per name: a range LO:HI (uniform) or LO:HI:log
 * (log-uniform, both ends > 0), or a list a,b,c. Random search draws each trial's values from
 * a seeded Random in a fixed order of names, so that a search repeats exactly; grid search
 * takes every combination of lists.
 */
public final class SearchSpace {
    /** One dimension: a range (lo, hi, log) or a list of choices. */
    record Dim(double lo, double hi, boolean log, double[] choices) {
        double draw(Random rnd) {
            if (choices != null) {
                return choices[rnd.nextInt(choices.length)];
            }
            double u = rnd.nextDouble();
            return log ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
        }
    }

    private final Map<String, Dim> dims = new LinkedHashMap<>();
    private final Map<String, Double> fixed = new LinkedHashMap<>();

    /** Adds name with its text (a single number is a one-value list); throws naming it when the text is not a range or list. */
    public SearchSpace add(String name, String text) {
        String t = text.trim();
        try {
            if (t.contains(":")) {
                String[] p = t.split(":", -1);
                if (p.length < 2 || p.length > 3 || (p.length == 3 && !p[2].trim().equalsIgnoreCase("log"))) {
                    throw new NumberFormatException();
                }
                double lo = Double.parseDouble(p[0].trim()), hi = Double.parseDouble(p[1].trim());
                boolean log = p.length == 3;
                if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi) || (log && !(lo > 0))) {
                    throw new IllegalArgumentException(name + " " + text + ": a range needs LO < HI" + (log ? ", both > 0 for :log" : ""));
                }
                dims.put(name, new Dim(lo, hi, log, null));
            } else {
                String[] p = t.split(",");
                double[] c = new double[p.length];
                for (int i = 0; i < p.length; i++) {
                    c[i] = Double.parseDouble(p[i].trim());
                    if (!Double.isFinite(c[i])) {
                        throw new NumberFormatException();
                    }
                }
                if (c.length == 1) {
                    fixed.put(name, c[0]); // one value: not searched, not shown
                } else {
                    dims.put(name, new Dim(0, 0, false, c));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " " + text + ": expected a number, a range LO:HI or LO:HI:log, or a list a,b,c");
        }
        return this;
    }

    /** The searched names (ranges and lists of two or more values). */
    public List<String> names() {
        return List.copyOf(dims.keySet());
    }

    /** name's value in a trial: drawn where searched, else the one value given. */
    public double value(Map<String, Double> trial, String name) {
        Double v = trial.containsKey(name) ? trial.get(name) : fixed.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no value for " + name);
        }
        return v;
    }

    /** Whether every dimension is a list (a grid can be taken). */
    public boolean allLists() {
        return dims.values().stream().allMatch(d -> d.choices() != null);
    }

    /** trials draws from seed, in trial order. */
    public List<Map<String, Double>> random(int trials, long seed) {
        Random rnd = new Random(seed);
        List<Map<String, Double>> out = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            Map<String, Double> m = new LinkedHashMap<>();
            dims.forEach((k, d) -> m.put(k, d.draw(rnd)));
            out.add(m);
        }
        return out;
    }

    /** Every combination of the lists, the last name varying fastest. */
    public List<Map<String, Double>> grid() {
        if (!allLists()) {
            throw new IllegalArgumentException("a grid needs lists (a,b,c) for every searched option, not ranges; or pass --trials N for a random search");
        }
        List<Map<String, Double>> out = new ArrayList<>(List.of(new LinkedHashMap<>()));
        for (Map.Entry<String, Dim> e : dims.entrySet()) {
            List<Map<String, Double>> next = new ArrayList<>();
            for (Map<String, Double> partial : out) {
                for (double v : e.getValue().choices()) {
                    Map<String, Double> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    /** name=value pairs of a trial, as a table cell and a log key. */
    public static String describe(Map<String, Double> values) {
        if (values.isEmpty()) {
            return "(nothing searched)";
        }
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(String.format(Locale.ROOT, "%.4g", v)));
        return sb.toString();
    }

    /**
     * The k folds of n images after one seeded shuffle: fold f's validation indices, and the
     * training indices (every other fold), as {validation, training}. Each image is validated once.
     */
    public static int[][] fold(int n, int k, int f, long seed) {
        int[] order = io.github.clconv.data.Permutation.shuffled(n, new Random(seed));
        int from = (int) ((long) n * f / k), to = (int) ((long) n * (f + 1) / k);
        int[] val = java.util.Arrays.copyOfRange(order, from, to), train = new int[n - (to - from)];
        System.arraycopy(order, 0, train, 0, from);
        System.arraycopy(order, to, train, from, n - to);
        return new int[][]{val, train};
    }
}
