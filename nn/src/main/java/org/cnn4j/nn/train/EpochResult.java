package org.cnn4j.nn.train;

/**
 * One epoch's numbers.
 *
 * @param epoch           1-based epoch number
 * @param step            optimizer steps taken so far
 * @param lr              learning rate used in this epoch
 * @param train           training metrics (on augmented data, in training mode, as seen during the epoch)
 * @param validation      validation metrics (inference mode), or null without a validation set
 * @param seconds         wall time of the training pass
 * @param imagesPerSecond training images per second
 */
public record EpochResult(int epoch, long step, double lr, Metrics train, Metrics validation, double seconds,
        double imagesPerSecond) {
}
