package org.cnn4j.cli.report;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.cnn4j.nn.train.EpochResult;
import org.cnn4j.nn.train.TrainingListener;

/**
 * Training progress on stderr: images done, images/s, running loss and accuracy.
 *
 * <p>Two modes. {@link Mode#BAR}: a progress bar per epoch that redraws itself with carriage returns, for a
 * terminal. {@link Mode#LINES}: a plain line every few seconds, for a file or a pipe, where redrawn frames would pile
 * up in one line. {@link #ProgressListener()} picks the bar when the JVM has an interactive console
 * ({@link Console#isTerminal()}), else lines; {@code -Dcnn4j.progress=bar} or {@code =lines} overrides.
 */
public final class ProgressListener implements TrainingListener {
    /** {@code bar}, {@code lines}, or unset (by the console). */
    public static final String PROPERTY = "cnn4j.progress";
    /** How often {@link Mode#LINES} prints. */
    public static final Duration LINE_INTERVAL = Duration.ofSeconds(5);

    /** How progress is shown. */
    public enum Mode {
        /** A progress bar redrawn in place with carriage returns (for a terminal). */
        BAR,
        /** A plain line every {@link #LINE_INTERVAL} (for a file or a pipe). */
        LINES
    }

    private final PrintStream out;
    private final Mode mode;
    private final long intervalNanos;
    private final LongSupplier clock;
    private ProgressBar bar;
    private int epoch;
    private int epochs;
    private long images;
    private long startNanos;
    private long lastLineNanos;

    /** On stderr, in the mode {@link #mode(String, Console)} picks for this JVM. */
    public ProgressListener() {
        this(System.err, mode(System.getProperty(PROPERTY), System.console()));
    }

    /** On {@code out} (the bar always draws on stderr) in {@code mode}. */
    public ProgressListener(PrintStream out, Mode mode) {
        this(out, mode, LINE_INTERVAL, System::nanoTime);
    }

    /** With the line interval and the clock ({@link System#nanoTime()}-like) given, for tests. */
    ProgressListener(PrintStream out, Mode mode, Duration interval, LongSupplier clock) {
        this.out = out;
        this.mode = mode;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /**
     * The mode for a property value ({@code bar}, {@code lines}; anything else or null: by the console) and a
     * console ({@link System#console()}, which on JDK 22 and later is not null when the streams are redirected:
     * {@link Console#isTerminal()} says whether it is interactive).
     */
    public static Mode mode(String property, Console console) {
        if (property != null) {
            switch (property.trim().toLowerCase(Locale.ROOT)) {
                case "bar" -> {
                    return Mode.BAR;
                }
                case "lines" -> {
                    return Mode.LINES;
                }
                default -> {
                    // by the console
                }
            }
        }
        return console != null && console.isTerminal() ? Mode.BAR : Mode.LINES;
    }

    /** The mode in use. */
    public Mode mode() {
        return mode;
    }

    @Override
    public void epochStarted(int epoch, int epochs, long images) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.images = images;
        if (mode == Mode.BAR) {
            bar = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(images)
                    .setUnit(" img", 1).showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                    .setMaxRenderedLength(120).continuousUpdate().build();
        } else {
            startNanos = clock.getAsLong();
            lastLineNanos = startNanos;
        }
    }

    @Override
    public void batchDone(int epoch, long imagesDone, double meanLoss, double accuracy) {
        if (mode == Mode.BAR) {
            if (bar != null) {
                bar.stepTo(imagesDone);
                bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", meanLoss) + accuracy(accuracy));
            }
            return;
        }
        long now = clock.getAsLong();
        if (now - lastLineNanos < intervalNanos) {
            return;
        }
        lastLineNanos = now;
        double seconds = (now - startNanos) / 1e9;
        double rate = seconds > 0 ? imagesDone / seconds : 0;
        String left = rate > 0 && images > imagesDone
                ? String.format(Locale.ROOT, ", about %.0f s left", (images - imagesDone) / rate) : "";
        out.printf(Locale.ROOT, "epoch %d/%d: %d/%d images (%.0f%%), %.1f img/s, loss %.4f%s%s%n", epoch,
                epochs, imagesDone, images, images > 0 ? 100.0 * imagesDone / images : 0, rate, meanLoss,
                accuracy(accuracy), left);
        out.flush();
    }

    /** " acc 12.34%", or nothing when there is no accuracy (NaN: a detector's epoch). */
    private static String accuracy(double accuracy) {
        return Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, " acc %.2f%%", 100 * accuracy);
    }

    @Override
    public void epochDone(EpochResult result) {
        endEpoch();
    }

    /** Ends the epoch's bar (for trainers without an {@link EpochResult}, such as a detector's). */
    public void endEpoch() {
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
