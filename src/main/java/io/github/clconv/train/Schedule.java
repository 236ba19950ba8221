package io.github.clconv.train;

import java.util.Locale;

/**
 * A learning-rate schedule: the factor the base rate is multiplied by at each step, as
 * torch.optim.lr_scheduler computes it when stepped once per batch, times a linear warm-up.
 * <ul>
 * <li>{@code constant};</li>
 * <li>{@code cosine}: CosineAnnealingLR over the whole run to 0, 0.5 (1 + cos(pi t / T));</li>
 * <li>{@code step:E:G}: StepLR, times G every E epochs;</li>
 * <li>{@code onecycle}: OneCycleLR's defaults, a cosine rise from base/25 to base over the
 * first 30% of the steps, then a cosine fall to base/25/10^4.</li>
 * </ul>
 * warmup: over the first W steps the factor is also multiplied by (t + 1) / W.
 */
public record Schedule(String kind, int stepEpochs, double gamma, int warmup) {
    public Schedule {
        if (warmup < 0) {
            throw new IllegalArgumentException("the warm-up must be >= 0 steps, got " + warmup);
        }
    }

    public static Schedule parse(String spec, int warmup) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("constant") || s.equals("cosine") || s.equals("onecycle")) {
            return new Schedule(s, 0, 0, warmup);
        }
        if (s.startsWith("step:")) {
            String[] p = s.split(":");
            try {
                int e = Integer.parseInt(p[1]);
                double g = Double.parseDouble(p[2]);
                if (p.length == 3 && e >= 1 && g > 0 && g <= 1) {
                    return new Schedule("step", e, g, warmup);
                }
            } catch (RuntimeException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("schedule '" + spec + "': expected step:EPOCHS:GAMMA with EPOCHS >= 1 and 0 < GAMMA <= 1, e.g. step:30:0.1");
        }
        throw new IllegalArgumentException("schedule '" + spec + "': expected constant, cosine, step:EPOCHS:GAMMA or onecycle");
    }

    /** The factor at step t (from 0) of total steps, stepsPerEpoch to an epoch. */
    public double factor(long t, long total, int stepsPerEpoch) {
        double f = switch (kind) {
            case "cosine" -> 0.5 * (1 + Math.cos(Math.PI * Math.min(t, total) / Math.max(total, 1)));
            case "step" -> Math.pow(gamma, (double) (t / stepsPerEpoch / stepEpochs));
            case "onecycle" -> onecycle(t, total);
            default -> 1;
        };
        return warmup > 0 && t < warmup ? f * (t + 1) / warmup : f;
    }

    private static double onecycle(long t, long total) {
        double start = 1 / 25.0, end = start / 1e4;
        double up = Math.max(1, 0.3 * total - 1), down = Math.max(1, total - 1 - up);
        if (t <= up) {
            return cosine(start, 1, t / up);
        }
        return cosine(1, end, Math.min(1, (t - up) / down));
    }

    /** From a to b along half a cosine, at fraction x. */
    private static double cosine(double a, double b, double x) {
        return b + (a - b) / 2 * (1 + Math.cos(Math.PI * x));
    }

    @Override
    public String toString() {
        return (kind.equals("step") ? "step:" + stepEpochs + ":" + gamma : kind) + (warmup > 0 ? ", warm-up " + warmup + " steps" : "");
    }
}
