package io.github.clconv.onnx;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.onnx.proto.OnnxProto.AttributeProto;
import io.github.clconv.onnx.proto.OnnxProto.GraphProto;
import io.github.clconv.onnx.proto.OnnxProto.ModelProto;
import io.github.clconv.onnx.proto.OnnxProto.NodeProto;
import io.github.clconv.onnx.proto.OnnxProto.StringStringEntryProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorProto;
import io.github.clconv.onnx.proto.OnnxProto.TensorShapeProto;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** .onnx files made to hurt: each is refused with one line saying why, before anything large is allocated. */
class HostileOnnxTest {
    private static final long SEED = 20261206L;
    @TempDir
    Path dir;
    private final Backend b = new ReferenceBackend();

    private ModelProto lenet() {
        try (Model m = ModelSpec.parse("lenet-bn").withClasses(10).build(Shape.of(1, 28, 28), b, SEED)) {
            return OnnxExport.export(m, 13, Map.of());
        }
    }

    private String refused(ModelProto m) throws IOException {
        return refused(m.toByteArray());
    }

    private String refused(byte[] bytes) throws IOException {
        Path f = dir.resolve("hostile.onnx");
        Files.write(f, bytes);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(f, b).close());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        System.out.println("refused: " + e.getMessage().substring(f.toString().length()));
        return e.getMessage();
    }

    private static ModelProto withInitializer(ModelProto m, int i, TensorProto t) {
        return m.toBuilder().setGraph(m.getGraph().toBuilder().setInitializer(i, t)).build();
    }

    @Test
    void aTensorWhoseDimensionsExceedItsDataIsRefusedBeforeAllocation() throws IOException {
        ModelProto m = lenet();
        TensorProto w = m.getGraph().getInitializer(0);
        assertTrue(refused(withInitializer(m, 0, w.toBuilder().clearDims().addAllDims(Arrays.asList(1_000_000L, 1_000_000L, 1_000_000L)).build()))
                .contains("claims more than"));
        assertTrue(refused(withInitializer(m, 0, w.toBuilder().clearDims().addAllDims(Arrays.asList(20_000L, 20_000L)).build()))
                .contains("needs 400000000 values, the file holds"));
        assertTrue(refused(withInitializer(m, 0, w.toBuilder().clearDims().addAllDims(Arrays.asList(-5L, 4L)).build())).contains("impossible dimension"));
        assertTrue(refused(withInitializer(m, 0, w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("/etc/passwd")).build())).contains("external file"));
        assertTrue(refused(withInitializer(m, 0, w.toBuilder().setDataType(TensorProto.DataType.STRING_VALUE).build())).contains("data type 8"));
    }

    @Test
    void anInputOfAbsurdSizeIsRefused() throws IOException {
        ModelProto m = lenet();
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : new long[]{3, 60_000, 60_000}) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setShape(s);
        assertTrue(refused(m.toBuilder().setGraph(g).build()).contains("values per image"));
    }

    @Test
    void aCycleAndAnUnknownOperatorAreRefusedByName() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder();
        // the first node reads the last node's output: a cycle, or nodes out of topological order
        g.getNodeBuilder(0).setInput(0, g.getNode(g.getNodeCount() - 1).getOutput(0));
        assertTrue(refused(m.toBuilder().setGraph(g).build()).contains("which no node before it computes"));
        GraphProto.Builder h = m.getGraph().toBuilder();
        h.getNodeBuilder(2).setOpType("LSTM");
        String e = refused(m.toBuilder().setGraph(h).build());
        assertTrue(e.contains("'2' (LSTM)") && e.contains("cannot import the operator LSTM") && e.contains("it imports Conv"), e);
    }

    @Test
    void aGraphThousandsOfLayersDeepIsRefused() throws IOException {
        ModelProto m = lenet();
        GraphProto.Builder g = m.getGraph().toBuilder().clearNode().clearInitializer().clearOutput();
        String x = "input";
        for (int i = 0; i < 5000; i++) {
            g.addNode(NodeProto.newBuilder().setOpType("Relu").setName("r" + i).addInput(x).addOutput("v" + i));
            x = "v" + i;
        }
        g.addOutput(m.getGraph().getOutput(0).toBuilder().setName(x));
        assertTrue(refused(m.toBuilder().setGraph(g).build()).contains("more than 1000 layers"));
    }

    @Test
    void graphsNestedInAttributesBeyondAFewLevelsAreRefusedWhileParsing() throws IOException {
        GraphProto inner = GraphProto.newBuilder().setName("deepest").build();
        for (int i = 0; i < 200; i++) {
            inner = GraphProto.newBuilder().setName("g" + i).addNode(NodeProto.newBuilder().setOpType("If")
                    .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(inner))).build();
        }
        ModelProto m = lenet().toBuilder().setGraph(inner).build();
        assertTrue(refused(m).contains("not a readable ONNX model"));
    }

    /** Cut short, or with bytes changed at random (seeded): a one-line IOException or a model that loads, never anything else. */
    @Test
    void truncatedAndMutatedFilesFailCleanly() throws IOException {
        byte[] good = lenet().toByteArray();
        for (int cut : new int[]{0, 1, 17, good.length / 2, good.length - 3}) {
            refused(Arrays.copyOf(good, cut));
        }
        Random rnd = new Random(SEED);
        System.out.println("seed " + SEED);
        Path f = dir.resolve("mutated.onnx");
        int loaded = 0, refusedCount = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] bad = good.clone();
            // the header and graph structure sit before and between the initializers' data: aim there as often as not
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = rnd.nextBoolean() ? rnd.nextInt(bad.length) : rnd.nextInt(Math.min(bad.length, 2048));
                bad[at] = (byte) rnd.nextInt(256);
            }
            Files.write(f, bad);
            try (Model m = Checkpoint.load(f, b)) {
                loaded++;
                assertTrue(m.parameterCount() > 0);
            } catch (IOException e) {
                refusedCount++;
                assertEquals(1, e.getMessage().lines().count(), "trial " + trial + ": " + e.getMessage());
            }
        }
        System.out.println("mutations: " + loaded + " loaded, " + refusedCount + " refused");
        assertTrue(refusedCount > 0, "no mutation was refused: the mutations did not reach the structure");
    }

    @Test
    void aFileThatIsNotProtobufIsRefused() throws IOException {
        byte[] junk = new byte[4096];
        new Random(SEED).nextBytes(junk);
        refused(junk);
        refused("this is not an onnx model at all\n".getBytes());
        refused(ModelProto.newBuilder().setIrVersion(8).build().toByteArray());
    }
}
