package org.cnn4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors files from elsewhere (no cnn4j checksums) whose headers are malformed: each is a
 * {@link CheckpointException} naming the problem, never a ClassCastException, an IllegalArgumentException or a
 * tensor whose byte count overflowed into a plausible size.
 */
class MalformedSafeTensorsTest {
    @TempDir
    Path dir;

    Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        Path p = dir.resolve("f.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"x\"],\"data_offsets\":[0,4]}}|4|every dimension must be an integer",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,2],\"data_offsets\":[0,4]}}|4|every dimension must be an integer",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,4]}}|4|every dimension must be an integer",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}|4|every dimension must be an integer",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],\"data_offsets\":[0,0]}}|0|more bytes than a long",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}|0|do not fit",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}|0|every dimension must be at least 1",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}|4|must be two integers",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}|4|do not fit",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}|4|do not fit",
        "{\"w\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}|4|not a safetensors dtype",
        "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}|4|not a safetensors dtype",
        "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}|4|has no shape",
        "{\"w\":null}|4|is not an object",
        "[1,2,3]|0|not valid JSON",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}|4|overlap",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}|8|data section is 8 bytes",
    })
    void aMalformedHeaderIsACheckpointException(String header, int dataBytes, String says) throws IOException {
        Path p = file(header, dataBytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(p), header);
        assertTrue(e.getMessage().contains(says), "should say '" + says + "': " + e.getMessage());
    }
}
