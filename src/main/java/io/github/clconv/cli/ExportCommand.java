package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
import io.github.clconv.onnx.Onnx;
import io.github.clconv.onnx.OnnxExport;
import io.github.clconv.train.Checkpoint;
import io.github.clconv.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a checkpoint as an ONNX model, for ONNX Runtime, OpenVINO, TensorRT or clconv itself.",
                "Input \"input\" [batch, C, H, W], output \"output\" [batch, classes] (scores, before softmax), the batch dynamic;"
                        + " the class names and normalisation go into the model's metadata."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--load", required = true, description = "Checkpoint: clconv's safetensors, a PyTorch state_dict (.pth, .pt) of a preset, or an .onnx file.")
    Path load;
    @Option(names = "--model", description = "Model spec, when the checkpoint holds none (a .pth file).")
    String model;
    @Option(names = "--input", paramLabel = "C,H,W", description = "Input shape per image, when the checkpoint holds none (a .pth file), e.g. 3,224,224.")
    String input;
    @Option(names = {"--output", "-o"}, required = true, description = "The .onnx file to write.")
    Path output;
    @Option(names = "--opset", defaultValue = "" + OnnxExport.DEFAULT_OPSET, description = "ONNX opset, " + OnnxExport.MIN_OPSET + " to "
            + OnnxExport.MAX_OPSET + ". Default: ${DEFAULT-VALUE}.")
    int opset;
    @Option(names = "--fold-bn", description = "Fold each batch norm that follows a convolution or linear layer into it (one node fewer per pair; the model then"
            + " no longer fine-tunes as it trained).")
    boolean foldBn;

    @Override
    public Integer call() throws Exception {
        if (opset < OnnxExport.MIN_OPSET || opset > OnnxExport.MAX_OPSET) {
            throw new IllegalArgumentException("--opset " + opset + ": clconv writes opsets " + OnnxExport.MIN_OPSET + " to " + OnnxExport.MAX_OPSET);
        }
        AtomicFiles.checkWritable(output);
        if (output.toAbsolutePath().normalize().equals(load.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--output " + output + " is the --load file; write the export elsewhere");
        }
        Checkpoint.Contents c = Checkpoint.read(load);
        // the pure-Java reference: exporting needs no device, and its tensors are the file's exactly
        try (Backend b = Backends.open("reference"); Model loaded = Models.open(model, load, shape(input), 0, b, 0L)) {
            Model net = foldBn && BatchNormFolding.applies(loaded) ? BatchNormFolding.fold(loaded) : loaded;
            try {
                Onnx.export(net, output, opset, Checkpoint.describe(net, c.classNames(), c.normalization(load)));
            } finally {
                if (net != loaded) {
                    net.close();
                }
            }
            System.err.printf("export: %s -> %s (opset %d, %,d parameters, input %s)%n", loaded.describe(), output, opset, loaded.parameterCount(), loaded.input());
            System.out.println(new Json().put("model", loaded.describe()).put("checkpoint", load.toString()).put("output", output.toString())
                    .put("opset", opset).put("parameters", loaded.parameterCount()));
        }
        return 0;
    }

    private static io.github.clconv.tensor.Shape shape(String s) {
        if (s == null) {
            return null;
        }
        String[] p = s.split(",");
        try {
            if (p.length == 3) {
                int c = Integer.parseInt(p[0].trim()), h = Integer.parseInt(p[1].trim()), w = Integer.parseInt(p[2].trim());
                if (c >= 1 && h >= 1 && w >= 1 && (long) c * h * w <= 1 << 26) {
                    return io.github.clconv.tensor.Shape.of(c, h, w);
                }
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("--input " + s + ": expected C,H,W, three positive sizes such as 3,224,224");
    }
}
