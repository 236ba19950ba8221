package io.github.clconv.backend;

/**
 * Element-wise activations. The int code is shared with activation.cl. Softplus is PyTorch's
 * (beta 1, threshold 20: x itself above 20), SiLU is x * sigmoid(x), Mish x * tanh(softplus(x)).
 */
public enum Activation {
    RELU(0), LEAKY_RELU(1), SIGMOID(2), TANH(3), SOFTPLUS(4), SILU(5), MISH(6);

    public final int code;

    Activation(int code) {
        this.code = code;
    }
}
