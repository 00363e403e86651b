package org.cnn4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnn4j.backend.reference.ReferenceBackend;
import org.cnn4j.core.Backend;
import org.cnn4j.core.Shape;
import org.cnn4j.nn.Parameter;
import org.cnn4j.nn.io.CheckpointException;
import org.cnn4j.nn.models.Model;
import org.cnn4j.nn.models.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights saved by PyTorch ({@code safetensors.torch.save_file(model.state_dict(), ...)}: a header with F32
 * tensors, an int64 {@code num_batches_tracked}, {@code {"format": "pt"}} metadata, no cnn4j checksum) load into
 * a cnn4j model through a name map.
 */
class PyTorchWeightsTest {
    /** cnn4j's LeNet-5 names to those of a PyTorch module with conv1, conv2, fc1, fc2, fc3. */
    private static final Map<String, String> NAMES = Map.of("0", "conv1", "3", "conv2", "7", "fc1", "9", "fc2",
            "11", "fc3");

    private static String inFile(String name) {
        int dot = name.indexOf('.');
        return NAMES.get(name.substring(0, dot)) + name.substring(dot);
    }

    @Test
    void lenet5LoadsWeightsSavedByPyTorchThroughANameMap(@TempDir Path dir) throws IOException {
        try (Backend ref = new ReferenceBackend();
                Model model = Models.create("lenet5", ref, Shape.of(1, 28, 28), 10, 1)) {
            Map<String, float[]> values = new LinkedHashMap<>();
            Map<String, int[]> shapes = new LinkedHashMap<>();
            SplittableRandom rnd = new SplittableRandom(7);
            for (Map.Entry<String, Parameter> e : model.net().parameters().entrySet()) {
                float[] v = new float[e.getValue().shape().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextDouble(-1, 1);
                }
                values.put(inFile(e.getKey()), v);
                shapes.put(inFile(e.getKey()), e.getValue().shape().dims());
            }
            Path file = dir.resolve("lenet5.safetensors");
            writePyTorchStyle(file, values, shapes);

            Checkpoint.loadWeights(file, model.net(), PyTorchWeightsTest::inFile);

            for (Map.Entry<String, Parameter> e : model.net().parameters().entrySet()) {
                assertArrayEquals(values.get(inFile(e.getKey())), e.getValue().value().toFloatArray(), e.getKey());
            }
        }
    }

    @Test
    void aShapeMismatchNamesBothShapesAndLoadsNothing(@TempDir Path dir) throws IOException {
        try (Backend ref = new ReferenceBackend();
                Model model = Models.create("lenet5", ref, Shape.of(1, 28, 28), 10, 1)) {
            Map<String, float[]> values = new LinkedHashMap<>();
            Map<String, int[]> shapes = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.net().parameters().entrySet()) {
                int[] dims = e.getValue().shape().dims();
                if (e.getKey().equals("11.weight")) {
                    dims = new int[] {10, 85};
                }
                values.put(inFile(e.getKey()), new float[Shape.of(dims).size()]);
                shapes.put(inFile(e.getKey()), dims);
            }
            Path file = dir.resolve("bad.safetensors");
            writePyTorchStyle(file, values, shapes);
            float[] before = model.net().parameters().get("0.weight").value().toFloatArray();

            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.loadWeights(file, model.net(), PyTorchWeightsTest::inFile));
            assertTrue(e.getMessage().contains("fc3.weight") && e.getMessage().contains("[10, 85]")
                    && e.getMessage().contains("[10, 84]"), e.getMessage());
            assertArrayEquals(before, model.net().parameters().get("0.weight").value().toFloatArray());
        }
    }

    /** The layout safetensors writes for PyTorch: F32 tensors, an I64 scalar, {"format": "pt"}, padded header. */
    private static void writePyTorchStyle(Path file, Map<String, float[]> values, Map<String, int[]> shapes)
            throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            long end = offset + 4L * e.getValue().length;
            h.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(shapes.get(e.getKey())).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        h.append(",\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[").append(offset)
                .append(',').append(offset + 8).append("]}}");
        while ((h.length() + 8) % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + (int) offset + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (float[] v : values.values()) {
            for (float f : v) {
                b.putFloat(f);
            }
        }
        b.putLong(42);
        Files.write(file, b.array());
    }
}
