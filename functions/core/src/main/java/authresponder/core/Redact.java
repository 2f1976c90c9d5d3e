package authresponder.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** How a secret appears in a log or a result: as a short hash that can be compared, never as itself. */
public final class Redact {
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]+");
    private static final Pattern SECRET_PAIR = Pattern.compile(
            "(?i)\\b([a-z_-]*(?:token|password|passwd|pwd|secret|authorization|credential|api_?key|auth_?key)[a-z_-]*)([\"']?\\s*[=:]\\s*[\"']?)[^\\s,;\"'&}]+");
    /** AWS access key ids (AKIA long-term, ASIA temporary, and the other documented prefixes). */
    private static final Pattern AWS_KEY_ID = Pattern.compile("\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\\b");
    /** 40 characters of mixed-case base64 standing alone: the shape of an AWS secret access key (a hex hash is not). */
    private static final Pattern AWS_SECRET = Pattern.compile("(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[A-Z])"
            + "(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])");
    // Starts only where a run of address characters starts: linear even on a megabyte of them.
    private static final Pattern EMAIL = Pattern.compile("(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(token|password|secret|passwd|authorization|auth_?key|credential).*");

    private Redact() {}

    /** sha256:first-12-hex: enough to tell two values apart, useless to an attacker. */
    public static String hash(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces anything shaped like a JWT inside free text. */
    public static String scrub(String text) {
        if (text == null || !text.contains("eyJ")) {
            return text;
        }
        return JWT.matcher(text).replaceAll(m -> "[jwt " + hash(m.group()) + "]");
    }

    /**
     * Free text a caller wrote (a reason, a summary, a message relayed from elsewhere), made safe to log,
     * store in the ledger and show to a later caller or on a page: a JWT becomes its hash; a bearer or
     * basic credential, a secret-named value ({@code password=}, {@code secret:}, {@code token=}...), an
     * AWS access key id and anything shaped like an AWS secret key are dropped; an email address is masked;
     * control characters become spaces. Applied where such text enters, so nothing later sees the original.
     */
    public static String text(String raw) {
        if (raw == null) {
            return null;
        }
        String text = scrub(raw);
        text = BEARER.matcher(text).replaceAll("$1 [redacted]");
        text = SECRET_PAIR.matcher(text).replaceAll("$1$2[redacted]");
        text = AWS_KEY_ID.matcher(text).replaceAll("[aws key]");
        text = AWS_SECRET.matcher(text).replaceAll("[redacted]");
        text = EMAIL.matcher(text).replaceAll("[email]");
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) || isInvisibleFormat(c) ? ' ' : c));
        return out.toString();
    }

    /** Bidirectional overrides and other format characters: invisible, and able to make a page read other than it is. */
    private static boolean isInvisibleFormat(int c) {
        return Character.getType(c) == Character.FORMAT || c == 0x2028 || c == 0x2029;
    }

    /** True for a field name that holds a secret by its name (authToken, password, ...): its string value is hashed. */
    public static boolean isSecretName(String name) {
        return SECRET_NAME.matcher(name).matches();
    }
}
