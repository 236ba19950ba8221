/*
 * activation.cl — element-wise activations, forward and backward, over flat buffers.
 * The code argument matches io.github.clconv.backend.Activation:
 *   0 ReLU, 1 LeakyReLU (slope alpha below 0), 2 sigmoid, 3 tanh.
 * Backward uses the input x for the ReLU family and the output y for sigmoid and tanh.
 */

kernel void act_forward(int code, float alpha, global const float* x, global float* y, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float v = x[i];
    float r;
    switch (code) {
        case 0: r = v > 0.0f ? v : 0.0f; break;
        case 1: r = v > 0.0f ? v : alpha * v; break;
        case 2: r = 1.0f / (1.0f + exp(-v)); break;
        default: r = tanh(v); break;
    }
    y[i] = r;
}

kernel void act_backward(int code, float alpha, global const float* x, global const float* y,
                         global const float* dy, global float* dx, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    float slope;
    switch (code) {
        case 0: slope = x[i] > 0.0f ? 1.0f : 0.0f; break;
        case 1: slope = x[i] > 0.0f ? 1.0f : alpha; break;
        case 2: slope = y[i] * (1.0f - y[i]); break;
        default: slope = 1.0f - y[i] * y[i]; break;
    }
    dx[i] = dy[i] * slope;
}
