package org.cnn4j.nn.train;

import org.cnn4j.nn.Replicas;

/**
 * Loss, accuracy and confusion matrix over a pass through a data set.
 *
 * @param loss      mean loss per sample
 * @param accuracy  share of correct predictions, in [0, 1]
 * @param samples   number of samples seen
 * @param confusion counts, [true class][predicted class]
 */
public record Metrics(double loss, double accuracy, long samples, long[][] confusion) {
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

        Accumulator(int classes) {
            confusion = new long[classes][classes];
        }

        /** Adds a batch: mean loss over it, logits [n, classes] row-major, true labels. */
        void add(double meanLoss, float[] logits, int[] labels, int labelOffset, int n) {
            int c = confusion.length;
            lossSum += meanLoss * n;
            samples += n;
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
            double[] v = new double[3 + c * c];
            v[0] = lossSum;
            v[1] = samples;
            v[2] = correct;
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    v[3 + i * c + j] = confusion[i][j];
                }
            }
            replicas.sum(v);
            lossSum = v[0];
            samples = (long) v[1];
            correct = (long) v[2];
            for (int i = 0; i < c; i++) {
                for (int j = 0; j < c; j++) {
                    confusion[i][j] = (long) v[3 + i * c + j];
                }
            }
        }

        double meanLoss() {
            return samples == 0 ? Double.NaN : lossSum / samples;
        }

        Metrics result() {
            return new Metrics(meanLoss(), samples == 0 ? Double.NaN : (double) correct / samples, samples,
                    confusion);
        }
    }
}
