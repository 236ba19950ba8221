package io.github.clconv.onnx;

import io.github.clconv.nn.Model;
import io.github.clconv.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * ONNX from Java. Export: {@code Onnx.export(model, Path.of("net.onnx"))} writes a file that
 * ONNX Runtime, OpenVINO or TensorRT run (input "input" [batch, C, H, W], output "output"
 * [batch, classes]). Import: any clconv loader takes an .onnx file, e.g.
 * {@code Checkpoint.load(Path.of("resnet18.onnx"), backend)} or {@code Classifier.load(...)}.
 */
public final class Onnx {
    private Onnx() {
    }

    public static void export(Model model, Path file) throws IOException {
        export(model, file, OnnxExport.DEFAULT_OPSET, Map.of());
    }

    /** metadata: key-value pairs for the model's metadata_props (clconv writes the input shape, class names and normalisation there). */
    public static void export(Model model, Path file, int opset, Map<String, String> metadata) throws IOException {
        byte[] bytes = OnnxExport.export(model, opset, metadata).toByteArray();
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
