package io.github.clconv.backend;

/** Element-wise activations. The int code is shared with activation.cl. */
public enum Activation {
    RELU(0), LEAKY_RELU(1), SIGMOID(2), TANH(3);

    public final int code;

    Activation(int code) {
        this.code = code;
    }
}
