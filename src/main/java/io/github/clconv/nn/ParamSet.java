package io.github.clconv.nn;

import io.github.clconv.backend.Buf;

import java.util.ArrayList;
import java.util.List;

/**
 * The named tensors a layer owns, in state_dict order: the one mechanism by which layers
 * list their parameters, move the trainable ones onto packed storage, and release them.
 * A layer reads its tensors through value() and grad() on every call, since adopt()
 * replaces them.
 */
final class ParamSet implements AutoCloseable {
    private final List<Param> params = new ArrayList<>();

    /** grad null: state that is not trained (running statistics). */
    void add(String name, Buf value, Buf grad) {
        params.add(new Param(name, value, grad));
    }

    Buf value(String name) {
        return find(name).value();
    }

    Buf grad(String name) {
        return find(name).grad();
    }

    boolean has(String name) {
        return params.stream().anyMatch(p -> p.name().equals(name));
    }

    private Param find(String name) {
        for (Param p : params) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("no parameter " + name + " (the layer is not built)");
    }

    List<Param> list() {
        return List.copyOf(params);
    }

    /** Replaces the trainable tensors, given in list() order with values already copied, closing the old ones. */
    void adopt(List<Param> trainable) {
        int t = 0;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (p.trainable()) {
                Param q = trainable.get(t++);
                if (!q.value().shape().equals(p.value().shape())) {
                    throw new IllegalArgumentException("adopt: " + p.name() + " has shape " + p.value().shape() + ", given " + q.value().shape());
                }
                p.value().close();
                p.grad().close();
                params.set(i, new Param(p.name(), q.value(), q.grad()));
            }
        }
        if (t != trainable.size()) {
            throw new IllegalArgumentException("adopt: given " + trainable.size() + " tensors for " + t + " trainable ones");
        }
    }

    @Override
    public void close() {
        for (Param p : params) {
            p.value().close();
            if (p.grad() != null) {
                p.grad().close();
            }
        }
        params.clear();
    }
}
