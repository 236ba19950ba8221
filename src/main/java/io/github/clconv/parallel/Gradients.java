package io.github.clconv.parallel;

import io.github.clconv.backend.Backend;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.nn.Param;

import java.util.List;
import java.util.Optional;

/** A model's trainable gradients as one host array: the packed buffer where there is one, else every tensor's in order. */
final class Gradients {
    private Gradients() {
    }

    static float[] download(Model m) {
        Backend b = m.backend();
        Optional<Param> flat = m.flatTrainable();
        if (flat.isPresent()) {
            return b.download(flat.get().grad());
        }
        List<Param> ps = trainable(m);
        int n = ps.stream().mapToInt(p -> p.grad().shape().size()).sum(), at = 0;
        float[] out = new float[n];
        for (Param p : ps) {
            float[] g = b.download(p.grad());
            System.arraycopy(g, 0, out, at, g.length);
            at += g.length;
        }
        return out;
    }

    static void upload(Model m, float[] g) {
        Backend b = m.backend();
        Optional<Param> flat = m.flatTrainable();
        if (flat.isPresent()) {
            b.write(flat.get().grad(), g);
            return;
        }
        int at = 0;
        for (Param p : trainable(m)) {
            int n = p.grad().shape().size();
            b.write(p.grad(), java.util.Arrays.copyOfRange(g, at, at + n));
            at += n;
        }
    }

    private static List<Param> trainable(Model m) {
        return m.params().stream().map(NamedParam::param).filter(Param::trainable).toList();
    }
}
