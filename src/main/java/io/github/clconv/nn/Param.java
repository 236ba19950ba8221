package io.github.clconv.nn;

import io.github.clconv.backend.Buf;

/**
 * A named tensor of a layer, as PyTorch's state_dict names it ("weight", "bias",
 * "running_mean", ...). grad is null for state that is not trained (running statistics).
 */
public record Param(String name, Buf value, Buf grad) {
    public boolean trainable() {
        return grad != null;
    }
}
