package io.github.clconv.nn;

import io.github.clconv.backend.Activation;

/**
 * He et al. 2016's CIFAR ResNet-20 (section 4.2) as a graph whose tensor names and shapes
 * are those of the PyTorch module in models/resnet20.py: conv1 3x3/16 - bn1 - relu, three
 * stages of three basic blocks (16, 32, 64 channels; the first block of stages 2 and 3 has
 * stride 2 and a 1x1 strided conv + BN shortcut named shortcut.0 / shortcut.1, "option B"),
 * global average pooling, fc. Convolutions have no bias.
 */
public final class ResNet {
    private ResNet() {
    }

    /** A builder holding the network, and its output node. */
    public record Recipe(Graph.Builder builder, Graph.Node output) {
    }

    public static Recipe resnet20(int classes) {
        Graph.Builder g = new Graph.Builder();
        Graph.Node h = g.layer("conv1", conv(16, 3, 1), g.input());
        h = g.layer("relu", relu(), g.layer("bn1", new BatchNorm(), h));
        int in = 16;
        int[] widths = {16, 32, 64};
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < 3; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                h = basicBlock(g, "layer" + (stage + 1) + "." + block, h, in, widths[stage], stride);
                in = widths[stage];
            }
        }
        h = g.layer("pool", new GlobalAvgPool(), h);
        return new Recipe(g, g.layer("fc", new Linear(classes), h));
    }

    /** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
    static Graph.Node basicBlock(Graph.Builder g, String name, Graph.Node x, int cin, int cout, int stride) {
        Graph.Node h = g.layer(name + ".conv1", conv(cout, 3, stride), x);
        h = g.layer(name + ".relu1", relu(), g.layer(name + ".bn1", new BatchNorm(), h));
        h = g.layer(name + ".bn2", new BatchNorm(), g.layer(name + ".conv2", conv(cout, 3, 1), h));
        Graph.Node shortcut = x;
        if (stride != 1 || cin != cout) {
            shortcut = g.layer(name + ".shortcut.1", new BatchNorm(), g.layer(name + ".shortcut.0", new Conv2d(cout, 1, stride, 0, 1, false), x));
        }
        return g.layer(name + ".relu2", relu(), g.add(h, shortcut));
    }

    private static Conv2d conv(int out, int k, int stride) {
        return new Conv2d(out, k, stride, (k - 1) / 2, 1, false);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer(Activation.RELU, 0f);
    }
}
