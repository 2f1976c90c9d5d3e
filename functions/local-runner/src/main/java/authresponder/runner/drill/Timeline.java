package authresponder.runner.drill;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** One scenario's timeline, printed as it happens: time since the incident began, the step, what was found or done, how long it took. */
final class Timeline {
    private final PrintStream out;
    private final Instant start = Instant.now();

    Timeline(PrintStream out) {
        this.out = out;
    }

    Instant start() {
        return start;
    }

    Duration elapsed() {
        return Duration.between(start, Instant.now());
    }

    void note(String step, String text) {
        line(step, text, null);
    }

    void done(String step, String text, Duration took) {
        line(step, text, took);
    }

    private void line(String step, String text, Duration took) {
        String tail = took == null ? "" : String.format(Locale.ROOT, "  (%d ms)", took.toMillis());
        out.printf(Locale.ROOT, "  %7s  %-20s %s%s%n", seconds(elapsed()), step, text, tail);
    }

    static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "+%.2fs", duration.toMillis() / 1000.0);
    }
}
