package org.cnn4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLogTest {
    @Test
    void oneLineOfJsonPerEpochWithTheValidationConfusionInPercent() {
        String json = JsonLog.line(PlotsTest.history().get(1));
        assertTrue(json.startsWith("{\"epoch\":2,\"step\":6,\"lr\":0.001,\"train_loss\":0.8,\"train_accuracy\":0.7,"
                + "\"val_loss\":0.9,\"val_accuracy\":0.83,\"seconds\":1.25,\"images_per_second\":24.0,"), json);
        assertTrue(json.contains("\"confusion_percent\":[[80.0,10.0,10.0],[0.0,90.0,10.0],[20.0,0.0,80.0]]"), json);
        assertFalse(json.contains("\n"));

        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new JsonLog(new PrintStream(b, true, StandardCharsets.UTF_8)).epochDone(PlotsTest.history().get(0));
        assertEquals(1, b.toString(StandardCharsets.UTF_8).lines().count());
    }
}
