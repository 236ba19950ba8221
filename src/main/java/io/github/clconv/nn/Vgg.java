package io.github.clconv.nn;

import io.github.clconv.backend.Activation;

/**
 * torchvision's vgg11_bn and vgg16_bn (Simonyan and Zisserman 2015, with batch norm) as graphs
 * with their state_dict names: features.i (3x3 convolutions with bias, each followed by BN and
 * ReLU, max pooling 2x2 between stages), avgpool (adaptive average pooling to 7x7, so any input
 * of 32 px or more works), then classifier.0 (linear 25088 to 4096), .1 ReLU, .2 dropout 0.5,
 * .3 (4096 to 4096), .4 ReLU, .5 dropout, .6 (to the classes).
 */
public final class Vgg {
    /** torchvision's configurations "A" and "D": output channels, 0 for a max pooling. */
    private static final int[] VGG11 = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    private static final int[] VGG16 = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};

    private Vgg() {
    }

    public static ResNet.Recipe bn(int depth, int classes) {
        int[] config = switch (depth) {
            case 11 -> VGG11;
            case 16 -> VGG16;
            default -> throw new IllegalArgumentException("vgg" + depth + "_bn: clconv has vgg11_bn and vgg16_bn");
        };
        Graph.Builder g = new Graph.Builder();
        Graph.Node h = g.input();
        int i = 0;
        for (int c : config) {
            if (c == 0) {
                h = g.layer("features." + i++, new Pool2d(true, 2, 2), h);
            } else {
                h = g.layer("features." + i++, new Conv2d(c, 3, 1, 1), h);
                h = g.layer("features." + i++, new BatchNorm(), h);
                h = g.layer("features." + i++, new ActivationLayer(Activation.RELU, 0f), h);
            }
        }
        h = g.layer("flatten", new Flatten(), g.layer("avgpool", new AdaptiveAvgPool(7, 7), h));
        h = g.layer("classifier.0", new Linear(4096), h);
        h = g.layer("classifier.2", new Dropout(0.5f), g.layer("classifier.1", new ActivationLayer(Activation.RELU, 0f), h));
        h = g.layer("classifier.3", new Linear(4096), h);
        h = g.layer("classifier.5", new Dropout(0.5f), g.layer("classifier.4", new ActivationLayer(Activation.RELU, 0f), h));
        return new ResNet.Recipe(g, g.layer("classifier.6", new Linear(classes), h));
    }
}
