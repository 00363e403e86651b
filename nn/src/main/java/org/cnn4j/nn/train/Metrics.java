package org.cnn4j.nn.train;

import org.cnn4j.nn.Replicas;

/**
 * Loss, accuracy and confusion matrix over a pass through a data set.
 *
 * @param loss      mean loss per sample
 * @param accuracy  share of correct predictions, in [0, 1], over the {@link #predicted()} samples
 * @param samples   number of samples seen (the loss covers them all)
 * @param confusion counts, [true class][predicted class]
 */
public record Metrics(double loss, double accuracy, long samples, long[][] confusion) {
    /**
     * The samples the accuracy and confusion matrix were counted over: {@link #samples()}, except in training
     * with {@link Trainer.Config#readEvery} other than 1, where only the batches read back are counted.
     */
    public long predicted() {
        long n = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    /** The confusion matrix in percent of each true class (rows sum to 100, or 0 for an absent class). */
    public double[][] confusionPercent() {
        double[][] p = new double[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            long row = 0;
            for (long v : confusion[i]) {
                row += v;
            }
            p[i] = new double[confusion[i].length];
            for (int j = 0; j < confusion[i].length; j++) {
                p[i][j] = row == 0 ? 0 : 100.0 * confusion[i][j] / row;
            }
        }
        return p;
    }

    /** Accumulates batches. */
    static final class Accumulator {
        private final long[][] confusion;
        private double lossSum;
        private long samples;
        private long correct;
        private long predicted;

        Accumulator(int classes) {
            confusion = new long[classes][classes];
        }

        /** Adds a batch: mean loss over it, logits [n, classes] row-major, true labels. */
        void add(double meanLoss, float[] logits, int[] labels, int labelOffset, int n) {
            lossSum += meanLoss * n;
            samples += n;
            addPredictions(logits, labels, labelOffset, n);
        }

        /** Adds the loss of {@code n} samples, {@code sum} being the sum of their losses. */
        void addLossSum(double sum, long n) {
            lossSum += sum;
            samples += n;
        }

        /** Adds a batch's predictions (logits [n, classes] row-major) to the accuracy and confusion matrix only. */
        void addPredictions(float[] logits, int[] labels, int labelOffset, int n) {
            int c = confusion.length;
            predicted += n;
            for (int i = 0; i < n; i++) {
                int best = 0;
                float bv = logits[i * c];
                for (int k = 1; k < c; k++) {
                    if (logits[i * c + k] > bv) {
                        bv = logits[i * c + k];
                        best = k;
                    }
                }
                int truth = labels[labelOffset + i];
                confusion[truth][best]++;
                if (best == truth) {
                    correct++;
                }
            }
        }

        /** Replaces the counts by their sums over {@code replicas} (each replica's own share of a pass). */
        void sumOver(Replicas replicas) {
            if (replicas.size() == 1) {
                return;
            }
            int c = confusion.length;
            double[] v = new double[4 + c * c];
            v[0] = lossSum;
            v[1] = samples;
            v[2] = correct;
            v[3] = predicted;
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    v[4 + i * c + j] = confusion[i][j];
                }
            }
            replicas.sum(v);
            lossSum = v[0];
            samples = (long) v[1];
            correct = (long) v[2];
            predicted = (long) v[3];
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    confusion[i][j] = (long) v[4 + i * c + j];
                }
            }
        }

        double meanLoss() {
            return samples == 0 ? Double.NaN : lossSum / samples;
        }

        Metrics result() {
            return new Metrics(meanLoss(), predicted == 0 ? Double.NaN : (double) correct / predicted, samples,
                    confusion);
        }
    }
}
