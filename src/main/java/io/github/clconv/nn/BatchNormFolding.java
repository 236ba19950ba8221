package io.github.clconv.nn;

import io.github.clconv.backend.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * For inference, a batch norm right after a convolution is folded into that
 * convolution: w' = gamma * w / sqrt(var + eps), b' = gamma * (b - mean) / sqrt(var + eps) + beta.
 * The folded model computes the same function with one layer fewer per pair.
 */
public final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** Whether model has a conv followed directly by a batch norm. */
    public static boolean applies(Sequential model) {
        List<Layer> ls = model.layers();
        for (int i = 0; i + 1 < ls.size(); i++) {
            if (ls.get(i) instanceof Conv2d && ls.get(i + 1) instanceof BatchNorm) {
                return true;
            }
        }
        return false;
    }

    /** A new model (same backend) with every conv+bn pair folded; the original is untouched. */
    public static Sequential fold(Sequential model) {
        Backend b = model.backend();
        List<Layer> src = model.layers();
        List<Layer> kept = new ArrayList<>();
        List<Integer> from = new ArrayList<>();
        for (int i = 0; i < src.size(); i++) {
            if (src.get(i) instanceof BatchNorm && i > 0 && src.get(i - 1) instanceof Conv2d) {
                continue;
            }
            kept.add(src.get(i));
            from.add(i);
        }
        ModelSpec spec = ModelSpec.parse(String.join("-", kept.stream().map(Layer::spec).toList()));
        Sequential folded = Sequential.of(spec, model.input(), b, 0L);
        for (int j = 0; j < kept.size(); j++) {
            int i = from.get(j);
            List<Param> dst = folded.layers().get(j).params();
            List<Param> own = src.get(i).params();
            boolean bnNext = i + 1 < src.size() && src.get(i) instanceof Conv2d && src.get(i + 1) instanceof BatchNorm;
            if (bnNext) {
                foldInto((Conv2d) src.get(i), (BatchNorm) src.get(i + 1), (Conv2d) folded.layers().get(j), b);
            } else {
                for (int p = 0; p < own.size(); p++) {
                    b.copy(own.get(p).value(), dst.get(p).value());
                }
            }
        }
        return folded;
    }

    private static void foldInto(Conv2d conv, BatchNorm bn, Conv2d out, Backend b) {
        float[] w = b.download(conv.weight), bias = b.download(conv.bias);
        float[] gamma = b.download(bn.gamma), beta = b.download(bn.beta), mean = b.download(bn.runMean), var = b.download(bn.runVar);
        int k = bias.length, per = w.length / k;
        for (int c = 0; c < k; c++) {
            double scale = gamma[c] / Math.sqrt(var[c] + BatchNorm.EPS);
            for (int i = 0; i < per; i++) {
                w[c * per + i] = (float) (w[c * per + i] * scale);
            }
            bias[c] = (float) ((bias[c] - mean[c]) * scale + beta[c]);
        }
        b.write(out.weight, w);
        b.write(out.bias, bias);
    }
}
