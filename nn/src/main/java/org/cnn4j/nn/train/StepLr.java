package org.cnn4j.nn.train;

/**
 * Step decay of the learning rate, PyTorch's {@code StepLR}: {@code lr(epoch) = lr0 * gamma^(epoch / stepSize)}
 * (epochs counted from 0). Seed 003 divides by 10 ({@code gamma = 0.1}). {@code stepSize = 0} keeps lr0.
 *
 * @param stepSize epochs between decays; 0 for none
 * @param gamma    factor per decay, in (0, 1]
 */
public record StepLr(int stepSize, double gamma) {
    public StepLr {
        if (stepSize < 0 || !(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("StepLr: stepSize must be >= 0 and gamma in (0, 1], got "
                    + stepSize + ", " + gamma);
        }
    }

    public static StepLr none() {
        return new StepLr(0, 1);
    }

    /** The learning rate for 0-based {@code epoch}. */
    public double lr(double lr0, int epoch) {
        return stepSize == 0 ? lr0 : lr0 * Math.pow(gamma, epoch / stepSize);
    }
}
