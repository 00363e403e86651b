package org.cnn4j.nn;

import java.util.List;
import org.cnn4j.core.Shape;

/**
 * One step of a model's forward pass, as {@link Layer#trace(Shape)} lists them: the application of a leaf layer,
 * or a merge of a graph (an addition, a concatenation). Summaries, memory estimates and benchmark plans read a
 * model through its trace, so a chain, a graph and a graph nested in a chain look the same to them.
 *
 * @param name        qualified name ({@code layer1.0.conv1}; a merge's node name, {@code layer1.0.add})
 * @param layer       the leaf layer applied, or null for a merge
 * @param description the layer's {@link Layer#describe()} or the merge ({@code add}, {@code cat(dim=1)})
 * @param from        the names of the steps whose outputs this step reads (empty: the model's input)
 * @param inputs      the shapes read, one per input
 * @param output      the shape written
 * @param shared      true when the layer is a {@link Layer#sharedCopy() shared copy} (its parameters are
 *                    counted at its first place)
 */
public record Trace(String name, Layer layer, String description, List<String> from, List<Shape> inputs,
        Shape output, boolean shared) {
    public Trace {
        from = List.copyOf(from);
        inputs = List.copyOf(inputs);
    }

    /** Trainable values of this step (0 for merges and shared copies). */
    public long trainable() {
        return layer == null || shared ? 0 : layer.trainableCount();
    }

    /** Trainable plus buffer values of this step (0 for merges and shared copies). */
    public long params() {
        return layer == null || shared ? 0 : layer.trainableCount() + layer.bufferCount();
    }
}
