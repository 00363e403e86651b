package org.cnn4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cnn4j.core.Shape;

/**
 * What a built model holds, layer by layer, as Keras' {@code model.summary()} prints it: each step of its
 * {@link Layer#trace(Shape) trace} (a leaf layer's application or a graph's merge) with its output shape and
 * parameter count, and, for graphs, the steps it reads where they are not the row above. Buffers (batch-norm
 * running statistics) count as non-trainable parameters, as in Keras, so the totals match the figures of seed
 * 002; a layer applied at several places counts once.
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
     * @param from      the steps read (empty: the model's input)
     */
    public record Row(String name, String layer, Shape output, long params, long trainable, List<String> from) {
        public Row {
            from = List.copyOf(from);
        }
    }

    /** The summary of {@code model} for one input of {@code input} (without the batch axis: C, H, W). */
    public static Summary of(Layer model, Shape sampleShape) {
        int[] d = sampleShape.dims();
        int[] withBatch = new int[d.length + 1];
        withBatch[0] = 1;
        System.arraycopy(d, 0, withBatch, 1, d.length);
        Shape in = Shape.of(withBatch);
        List<Row> rows = new ArrayList<>();
        for (Trace t : model.trace(in)) {
            rows.add(new Row(t.name(), t.shared() ? t.description() + " (shared)" : t.description(), t.output(),
                    t.params(), t.trainable(), t.from()));
        }
        long trainable = model.trainableCount();
        return new Summary(List.copyOf(rows), in, trainable + model.bufferCount(), trainable);
    }

    public long nonTrainable() {
        return total - trainable;
    }

    /** The output shape of the whole model. */
    public Shape output() {
        return rows.isEmpty() ? input : rows.getLast().output();
    }

    /**
     * A table: name, layer, output shape (batch as N), parameters; then the totals. When the model is not a chain
     * (a step reads something other than the row above), a last column says what each such step reads.
     */
    public String format() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"name", "layer", "output shape", "params", "reads"});
        boolean graph = false;
        String previous = null;
        for (Row r : rows) {
            List<String> chain = previous == null ? List.of() : List.of(previous);
            String reads = r.from().equals(chain) ? "" : r.from().isEmpty() ? "input"
                    : String.join(", ", r.from().stream().map(f -> f.isEmpty() ? "input" : f).toList());
            graph |= !reads.isEmpty();
            cells.add(new String[] {r.name(), r.layer(), shape(r.output()), String.format(Locale.ROOT, "%,d",
                    r.params()), reads});
            previous = r.name();
        }
        int columns = graph ? 5 : 4;
        int[] w = new int[5];
        for (String[] c : cells) {
            for (int i = 0; i < 5; i++) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("input: ").append(shape(input)).append('\n');
        for (int k = 0; k < cells.size(); k++) {
            String[] c = cells.get(k);
            String line = String.format(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %" + w[3]
                    + "s", c[0], c[1], c[2], c[3]);
            if (columns == 5 && !c[4].isEmpty()) {
                line += "  " + (k == 0 ? c[4] : "<- " + c[4]);
            }
            sb.append(line).append('\n');
            if (k == 0) {
                sb.append("-".repeat(w[0] + w[1] + w[2] + w[3] + 6 + (columns == 5 ? w[4] + 5 : 0))).append('\n');
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
