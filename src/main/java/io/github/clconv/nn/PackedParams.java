package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Packed;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the backend can, every trainable tensor of some layers and its gradient moved into
 * one flat buffer each, so that an optimiser updates all of them in one step.
 */
final class PackedParams implements AutoCloseable {
    private final Packed values, grads;

    private PackedParams(Packed values, Packed grads) {
        this.values = values;
        this.grads = grads;
    }

    /** Packs and hands each layer its views; null when the backend keeps tensors apart. */
    static PackedParams pack(Backend backend, List<Layer> layers) {
        List<Shape> shapes = new ArrayList<>();
        for (Layer l : layers) {
            l.params().stream().filter(Param::trainable).forEach(p -> shapes.add(p.value().shape()));
        }
        Optional<Packed> v = shapes.isEmpty() ? Optional.empty() : backend.pack(shapes);
        if (v.isEmpty()) {
            return null;
        }
        PackedParams packed = new PackedParams(v.get(), backend.pack(shapes).orElseThrow());
        int i = 0;
        for (Layer l : layers) {
            List<Param> moved = new ArrayList<>();
            for (Param p : l.params().stream().filter(Param::trainable).toList()) {
                backend.copy(p.value(), packed.values.parts().get(i));
                moved.add(new Param(p.name(), packed.values.parts().get(i), packed.grads.parts().get(i)));
                i++;
            }
            if (!moved.isEmpty()) {
                l.adopt(moved);
            }
        }
        return packed;
    }

    Param flat() {
        return new Param("flat", values.flat(), grads.flat());
    }

    @Override
    public void close() {
        values.close();
        grads.close();
    }
}
