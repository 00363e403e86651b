package org.cnn4j.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cnn4j.nn.train.EpochResult;
import org.cnn4j.nn.train.TrainingListener;

/**
 * One line of JSON per epoch: {@code {"epoch":1,"step":750,"lr":0.001,"train_loss":..,"train_accuracy":..,
 * "val_loss":..,"val_accuracy":..,"seconds":..,"images_per_second":..,"confusion_percent":[[..]]}}. The confusion
 * matrix (rows: true class, columns: predicted, percent of the row) is the validation set's when there is one.
 */
public final class JsonLog implements TrainingListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;

    public JsonLog(PrintStream out) {
        this.out = out;
    }

    /** The JSON object of one epoch. */
    public static String line(EpochResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", r.epoch());
        m.put("step", r.step());
        m.put("lr", r.lr());
        m.put("train_loss", r.train().loss());
        m.put("train_accuracy", r.train().accuracy());
        if (r.validation() != null) {
            m.put("val_loss", r.validation().loss());
            m.put("val_accuracy", r.validation().accuracy());
        }
        m.put("seconds", round(r.seconds()));
        m.put("images_per_second", round(r.imagesPerSecond()));
        double[][] c = (r.validation() != null ? r.validation() : r.train()).confusionPercent();
        double[][] rounded = new double[c.length][];
        for (int i = 0; i < c.length; i++) {
            rounded[i] = new double[c[i].length];
            for (int j = 0; j < c[i].length; j++) {
                rounded[i][j] = Math.round(c[i][j] * 100) / 100.0;
            }
        }
        m.put("confusion_percent", rounded);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void epochDone(EpochResult result) {
        out.println(line(result));
        out.flush();
    }
}
