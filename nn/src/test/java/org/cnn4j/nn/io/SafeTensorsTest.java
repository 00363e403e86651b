package org.cnn4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.cnn4j.core.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    Map<String, SafeTensors.Entry> sample() {
        Map<String, SafeTensors.Entry> m = new LinkedHashMap<>();
        m.put("0.weight", new SafeTensors.Entry(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, -6.5f}));
        m.put("0.bias", new SafeTensors.Entry(Shape.of(2), new float[] {0.25f, Float.MIN_VALUE}));
        return m;
    }

    @Test
    void roundTripsTensorsAndMetadataInTheStandardLayout() throws IOException {
        Path f = dir.resolve("a.safetensors");
        SafeTensors.write(f, sample(), Map.of("epoch", "3"));
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals("3", c.metadata().get("epoch"));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, c.tensors().get("0.weight").data());
        assertEquals(Shape.of(2), c.tensors().get("0.bias").shape());
        byte[] raw = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"dtype\":\"F32\""), header);
        assertTrue(header.contains("\"data_offsets\":[0,24]"), header);
        assertEquals(8 + n + 32, raw.length);
        assertEquals(1f, ByteBuffer.wrap(raw, (int) (8 + n), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file is left behind");
        }
    }

    @Test
    void corruptedDataFailsTheChecksum() throws IOException {
        Path f = dir.resolve("a.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] raw = Files.readAllBytes(f);
        raw[raw.length - 1] ^= 1;
        Files.write(f, raw);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path f = dir.resolve("a.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] raw = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(raw, raw.length - 5));
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("do not fit"), e.getMessage());
        Files.write(f, new byte[] {1, 2, 3});
        assertThrows(CheckpointException.class, () -> SafeTensors.read(f));
    }
}
