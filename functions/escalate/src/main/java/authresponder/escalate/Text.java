package authresponder.escalate;

import authresponder.core.Redact;
import java.util.regex.Pattern;

/** Makes outside text fit a page: one line, bounded, and free of tokens and personal data. */
final class Text {
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private Text() {}

    /**
     * One line of at most {@code max} characters, scrubbed as caller text is ({@link Redact#text}: tokens,
     * secrets, AWS keys, emails and control characters): evidence names keys, counts and times, never what
     * a user or a log line carried.
     */
    static String line(String raw, int max) {
        if (raw == null) {
            return "";
        }
        String text = Redact.text(raw);
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
