package org.cnn4j.nn.train;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A console progress bar per epoch (images done, images/s, ETA, running loss and accuracy), on stderr. */
public final class ProgressListener implements TrainingListener {
    private ProgressBar bar;

    @Override
    public void epochStarted(int epoch, int epochs, long images) {
        bar = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(images)
                .setUnit(" img", 1).showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).setMaxRenderedLength(120)
                .continuousUpdate().build();
    }

    @Override
    public void batchDone(int epoch, long imagesDone, double meanLoss, double accuracy) {
        if (bar != null) {
            bar.stepTo(imagesDone);
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f acc %.2f%%", meanLoss, 100 * accuracy));
        }
    }

    @Override
    public void epochDone(EpochResult result) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    /** A one-line text summary of an epoch, for logs. */
    public static void print(PrintStream out, EpochResult r) {
        out.printf(Locale.ROOT, "epoch %d: train loss %.4f acc %.2f%%%s, %.1f s, %.1f img/s%n", r.epoch(),
                r.train().loss(), 100 * r.train().accuracy(), r.validation() == null ? ""
                        : String.format(Locale.ROOT, ", validation loss %.4f acc %.2f%%", r.validation().loss(),
                                100 * r.validation().accuracy()), r.seconds(), r.imagesPerSecond());
    }
}
