package authresponder.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** How a secret appears in a log or a result: as a short hash that can be compared, never as itself. */
public final class Redact {
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");
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

    /** True for a field name that holds a secret by its name (authToken, password, ...): its string value is hashed. */
    public static boolean isSecretName(String name) {
        return SECRET_NAME.matcher(name).matches();
    }
}
