package io.github.clconv.nn;

import io.github.clconv.backend.Activation;

/**
 * ResNets as graphs whose tensor names and shapes are PyTorch's. resnet20: He et al. 2016's
 * CIFAR ResNet-20 (section 4.2) as the module in models/resnet20.py: conv1 3x3/16 - bn1 -
 * relu, three stages of three basic blocks (16, 32, 64 channels; the first block of stages 2
 * and 3 has stride 2 and a 1x1 strided conv + BN shortcut named shortcut.0 / shortcut.1,
 * "option B"), global average pooling, fc. resnet18, resnet34, resnet50: torchvision's
 * (conv1 7x7/2 - bn1 - relu - maxpool 3/2 - layer1..layer4 - avgpool - fc, basic blocks or,
 * for 50, bottlenecks with the stride on their 3x3 conv; projections named downsample.0 / .1),
 * any input of 32 px or more thanks to global average pooling. Convolutions have no bias.
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

    /** torchvision's resnet18, resnet34 or resnet50 for this many classes. */
    public static Recipe torchvision(int depth, int classes) {
        int[] blocks = switch (depth) {
            case 18 -> new int[]{2, 2, 2, 2};
            case 34, 50 -> new int[]{3, 4, 6, 3};
            default -> throw new IllegalArgumentException("resnet" + depth + ": torchvision's depths here are 18, 34 and 50");
        };
        boolean bottleneck = depth >= 50;
        Graph.Builder g = new Graph.Builder();
        Graph.Node h = g.layer("conv1", new Conv2d(64, 7, 2, 3, 1, false), g.input());
        h = g.layer("relu", relu(), g.layer("bn1", new BatchNorm(), h));
        h = g.layer("maxpool", new Pool2d(true, 3, 2, 1), h);
        int in = 64;
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage, out = bottleneck ? 4 * width : width;
            for (int block = 0; block < blocks[stage]; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String name = "layer" + (stage + 1) + "." + block;
                h = bottleneck ? bottleneck(g, name, h, in, width, stride) : block(g, name, h, in, width, stride, "downsample");
                in = out;
            }
        }
        h = g.layer("avgpool", new GlobalAvgPool(), h);
        return new Recipe(g, g.layer("fc", new Linear(classes), h));
    }

    /** relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + downsample(x)), conv2 carrying the stride (torchvision's v1.5). */
    static Graph.Node bottleneck(Graph.Builder g, String name, Graph.Node x, int cin, int width, int stride) {
        Graph.Node h = g.layer(name + ".conv1", conv(width, 1, 1), x);
        h = g.layer(name + ".relu1", relu(), g.layer(name + ".bn1", new BatchNorm(), h));
        h = g.layer(name + ".conv2", conv(width, 3, stride), h);
        h = g.layer(name + ".relu2", relu(), g.layer(name + ".bn2", new BatchNorm(), h));
        h = g.layer(name + ".bn3", new BatchNorm(), g.layer(name + ".conv3", conv(4 * width, 1, 1), h));
        return g.layer(name + ".relu3", relu(), g.add(h, shortcut(g, name + ".downsample", x, cin, 4 * width, stride)));
    }

    private static Graph.Node shortcut(Graph.Builder g, String name, Graph.Node x, int cin, int cout, int stride) {
        if (stride == 1 && cin == cout) {
            return x;
        }
        return g.layer(name + ".1", new BatchNorm(), g.layer(name + ".0", new Conv2d(cout, 1, stride, 0, 1, false), x));
    }

    static Graph.Node basicBlock(Graph.Builder g, String name, Graph.Node x, int cin, int cout, int stride) {
        return block(g, name, x, cin, cout, stride, "shortcut");
    }

    /** relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the projection's tensors under name.SHORTCUT.0 and .1. */
    static Graph.Node block(Graph.Builder g, String name, Graph.Node x, int cin, int cout, int stride, String shortcutName) {
        Graph.Node h = g.layer(name + ".conv1", conv(cout, 3, stride), x);
        h = g.layer(name + ".relu1", relu(), g.layer(name + ".bn1", new BatchNorm(), h));
        h = g.layer(name + ".bn2", new BatchNorm(), g.layer(name + ".conv2", conv(cout, 3, 1), h));
        return g.layer(name + ".relu2", relu(), g.add(h, shortcut(g, name + "." + shortcutName, x, cin, cout, stride)));
    }

    private static Conv2d conv(int out, int k, int stride) {
        return new Conv2d(out, k, stride, (k - 1) / 2, 1, false);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer(Activation.RELU, 0f);
    }
}
