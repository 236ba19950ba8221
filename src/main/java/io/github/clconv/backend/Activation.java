package io.github.clconv.backend;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element-wise activations. The int code is shared with activation.cl; the token is the name
 * in a model spec (leakyrelu takes its slope as an argument: leakyrelu(0.1)). Softplus is
 * PyTorch's (beta 1, threshold 20: x itself above 20), SiLU is x * sigmoid(x), Mish
 * x * tanh(softplus(x)), ReLU6 min(max(x, 0), 6) (MobileNet's). A new activation is a constant here, its case in activation.cl and in
 * ReferenceElementwise: the spec parser, the layer and `clconv verify` take it from this list.
 */
public enum Activation {
    RELU(0, "relu"), LEAKY_RELU(1, "leakyrelu"), SIGMOID(2, "sigmoid"), TANH(3, "tanh"), SOFTPLUS(4, "softplus"), SILU(5, "silu"),
    MISH(6, "mish"), RELU6(7, "relu6");

    public final int code;
    public final String token;

    Activation(int code, String token) {
        this.code = code;
        this.token = token;
    }

    /** Whether alpha means something (the slope of LeakyReLU below 0). */
    public boolean takesAlpha() {
        return this == LEAKY_RELU;
    }

    public static Optional<Activation> byToken(String token) {
        return Arrays.stream(values()).filter(a -> a.token.equals(token)).findFirst();
    }
}
