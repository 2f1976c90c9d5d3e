package authresponder.escalate;

import authresponder.core.Redact;
import java.util.regex.Pattern;

/** Makes outside text fit a page: one line, bounded, and free of tokens and personal data. */
final class Text {
    private static final Pattern BEARER = Pattern.compile("(?i)\\bbearer\\s+\\S+");
    private static final Pattern SECRET_PAIR = Pattern.compile(
            "(?i)\\b([a-z_]*(?:token|password|secret|passwd|authorization|credential)[a-z_]*)([\"']?\\s*[=:]\\s*[\"']?)[^\\s,;\"'&}]+");
    // Starts only where a run of address characters starts: linear even on a megabyte of them.
    private static final Pattern EMAIL = Pattern.compile("(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private Text() {}

    /**
     * One line of at most {@code max} characters. A JWT becomes its hash, a bearer credential or a
     * secret-named value is dropped, an email address is masked: evidence names keys, counts and
     * times, never what a user or a log line carried.
     */
    static String line(String raw, int max) {
        if (raw == null) {
            return "";
        }
        String text = Redact.scrub(raw);
        text = BEARER.matcher(text).replaceAll("Bearer [redacted]");
        text = SECRET_PAIR.matcher(text).replaceAll("$1$2[redacted]");
        text = EMAIL.matcher(text).replaceAll("[email]");
        text = SPACE.matcher(text).replaceAll(" ").strip();
        return cut(text, max);
    }

    /** At most {@code max} characters, marked with "..." where cut. */
    static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, Math.max(0, max - 3)).stripTrailing() + "...";
    }

    /** SNS subjects: printable ASCII only (email clients show nothing else reliably), no line breaks. */
    static String ascii(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.append(
                c >= 0x20 && c < 0x7f ? (char) c
                : Character.isISOControl(c) || Character.isWhitespace(c) ? ' '
                : c == '\u2013' || c == '\u2014' ? '-'
                : '?'));
        return SPACE.matcher(out).replaceAll(" ").strip();
    }
}
