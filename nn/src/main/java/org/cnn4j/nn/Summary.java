package org.cnn4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnn4j.core.Shape;

/**
 * What a built model holds, layer by layer, as Keras' {@code model.summary()} prints it: each leaf's output
 * shape and parameter count. Buffers (batch-norm running statistics) count as non-trainable parameters, as in
 * Keras, so the totals match the figures of seed 002.
 *
 * @param rows        one per leaf layer, in forward order
 * @param input       the input shape (batch 1)
 * @param total       all values: trainable plus non-trainable
 * @param trainable   values of learned parameters
 */
public record Summary(List<Row> rows, Shape input, long total, long trainable) {
    /**
     * One leaf layer.
     *
     * @param name      qualified name ({@code 3}, {@code features.0})
     * @param layer     the layer's description
     * @param output    output shape for batch 1
     * @param params    trainable plus non-trainable values
     * @param trainable trainable values
     */
    public record Row(String name, String layer, Shape output, long params, long trainable) {
    }

    /** The summary of {@code model} for one input of {@code input} (without the batch axis: C, H, W). */
    public static Summary of(Layer model, Shape sampleShape) {
        int[] d = sampleShape.dims();
        int[] withBatch = new int[d.length + 1];
        withBatch[0] = 1;
        System.arraycopy(d, 0, withBatch, 1, d.length);
        Shape s = Shape.of(withBatch);
        Shape in = s;
        List<Row> rows = new ArrayList<>();
        long total = 0;
        long trainable = 0;
        for (Map.Entry<String, Layer> e : model.leaves()) {
            Layer l = e.getValue();
            s = l.outputShape(s);
            long t = l.trainableCount();
            long p = t + l.bufferCount();
            rows.add(new Row(e.getKey(), l.describe(), s, p, t));
            total += p;
            trainable += t;
        }
        return new Summary(List.copyOf(rows), in, total, trainable);
    }

    public long nonTrainable() {
        return total - trainable;
    }

    /** The output shape of the whole model. */
    public Shape output() {
        return rows.isEmpty() ? input : rows.getLast().output();
    }

    /** A table: name, layer, output shape (batch as N), parameters; then the totals. */
    public String format() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"name", "layer", "output shape", "params"});
        for (Row r : rows) {
            cells.add(new String[] {r.name(), r.layer(), shape(r.output()), String.format(Locale.ROOT, "%,d",
                    r.params())});
        }
        int[] w = new int[4];
        for (String[] c : cells) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("input: ").append(shape(input)).append('\n');
        for (int k = 0; k < cells.size(); k++) {
            String[] c = cells.get(k);
            sb.append(String.format(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %" + w[3]
                    + "s%n", c[0], c[1], c[2], c[3]));
            if (k == 0) {
                sb.append("-".repeat(w[0] + w[1] + w[2] + w[3] + 6)).append('\n');
            }
        }
        sb.append(String.format(Locale.ROOT, "Total params: %,d%nTrainable params: %,d%nNon-trainable params: %,d%n",
                total, trainable, nonTrainable()));
        return sb.toString();
    }

    private static String shape(Shape s) {
        int[] d = s.dims();
        StringBuilder sb = new StringBuilder("[N");
        for (int i = 1; i < d.length; i++) {
            sb.append(", ").append(d[i]);
        }
        return sb.append(']').toString();
    }
}
