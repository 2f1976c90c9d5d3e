package authresponder.diagnose;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/** The time format of CloudWatch's reasonData and Lambda's LastModified: 2026-11-21T10:00:00.000+0000 (any fraction). */
final class AwsTime {
    private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd'T'HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendOffset("+HHMM", "Z")
            .toFormatter();

    private AwsTime() {}

    /** @throws java.time.format.DateTimeParseException when the text is not in this format */
    static Instant parse(String text) {
        return OffsetDateTime.parse(text, FORMAT).toInstant();
    }
}
