package io.github.clconv.nn;

import io.github.clconv.backend.Activation;

/**
 * torchvision's mobilenet_v2 (Sandler et al. 2018, width 1.0) as a graph with its state_dict
 * names: features.0 (3x3/2 conv, 32 channels, BN, ReLU6), seventeen inverted residual blocks
 * features.1 to features.17 (a 1x1 expansion by t with BN and ReLU6 unless t = 1, a 3x3
 * depthwise convolution with BN and ReLU6 carrying the stride, a linear 1x1 projection with
 * BN; the input added where stride is 1 and the widths agree), features.18 (1x1 to 1280, BN,
 * ReLU6), global average pooling, classifier.0 (dropout 0.2) and classifier.1 (linear).
 */
public final class MobileNet {
    /** torchvision's inverted residual settings: expansion t, output channels c, repeats n, first stride s. */
    private static final int[][] SETTINGS = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

    private MobileNet() {
    }

    public static ResNet.Recipe v2(int classes) {
        Graph.Builder g = new Graph.Builder();
        Graph.Node h = convBnRelu6(g, "features.0", g.input(), 32, 3, 2, 1);
        int in = 32, index = 1;
        for (int[] s : SETTINGS) {
            for (int i = 0; i < s[2]; i++) {
                h = invertedResidual(g, "features." + index++, h, in, s[1], i == 0 ? s[3] : 1, s[0]);
                in = s[1];
            }
        }
        h = convBnRelu6(g, "features.18", h, 1280, 1, 1, 1);
        h = g.layer("pool", new GlobalAvgPool(), h);
        h = g.layer("classifier.0", new Dropout(0.2f), h);
        return new ResNet.Recipe(g, g.layer("classifier.1", new Linear(classes), h));
    }

    /** torchvision's Conv2dNormActivation: name.0 conv (no bias), name.1 BN, name.2 ReLU6. */
    private static Graph.Node convBnRelu6(Graph.Builder g, String name, Graph.Node x, int out, int k, int stride, int groups) {
        Graph.Node h = g.layer(name + ".0", new Conv2d(out, k, stride, (k - 1) / 2, groups, false), x);
        h = g.layer(name + ".1", new BatchNorm(), h);
        return g.layer(name + ".2", new ActivationLayer(Activation.RELU6, 0f), h);
    }

    private static Graph.Node invertedResidual(Graph.Builder g, String name, Graph.Node x, int in, int out, int stride, int t) {
        int hidden = in * t, part = 0;
        Graph.Node h = x;
        if (t != 1) {
            h = convBnRelu6(g, name + ".conv." + part++, h, hidden, 1, 1, 1);
        }
        h = convBnRelu6(g, name + ".conv." + part++, h, hidden, 3, stride, hidden);
        h = g.layer(name + ".conv." + part++, new Conv2d(out, 1, 1, 0, 1, false), h);
        h = g.layer(name + ".conv." + part, new BatchNorm(), h);
        return stride == 1 && in == out ? g.add(h, x) : h;
    }
}
