package org.cnn4j.nn.train;

/** Callbacks from the {@link Trainer}; every method has an empty default. */
public interface TrainingListener {
    /** Before the first batch of {@code epoch} (1-based), which has {@code images} training images. */
    default void epochStarted(int epoch, int epochs, long images) {
    }

    /** After each training batch: images done in this epoch, running mean loss and accuracy. */
    default void batchDone(int epoch, long imagesDone, double meanLoss, double accuracy) {
    }

    /** After the epoch (training and validation). */
    default void epochDone(EpochResult result) {
    }

    /** Calls each listener in order. */
    static TrainingListener of(TrainingListener... ls) {
        return new TrainingListener() {
            @Override
            public void epochStarted(int epoch, int epochs, long images) {
                for (TrainingListener l : ls) {
                    l.epochStarted(epoch, epochs, images);
                }
            }

            @Override
            public void batchDone(int epoch, long imagesDone, double meanLoss, double accuracy) {
                for (TrainingListener l : ls) {
                    l.batchDone(epoch, imagesDone, meanLoss, accuracy);
                }
            }

            @Override
            public void epochDone(EpochResult result) {
                for (TrainingListener l : ls) {
                    l.epochDone(result);
                }
            }
        };
    }
}
