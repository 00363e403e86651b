package org.cnn4j.nn.models;

import org.cnn4j.core.Shape;
import org.cnn4j.nn.Summary;
import org.cnn4j.nn.Layer;

/**
 * A network from the zoo: its layers, the shape of one input sample (C, H, W) and the number of classes. The
 * network ends in logits; the softmax is part of the loss (softmax cross-entropy) and of prediction.
 *
 * @param name    zoo name ({@code lenet5})
 * @param net     the layers, a chain ({@code Sequential}) or a graph ({@code Graph}) with one output (owned:
 *                closing the model closes them)
 * @param sample  one input sample's shape, C, H, W
 * @param classes number of output classes
 */
public record Model(String name, Layer net, Shape sample, int classes) implements AutoCloseable {
    public Summary summary() {
        return Summary.of(net, sample);
    }

    @Override
    public void close() {
        net.close();
    }
}
