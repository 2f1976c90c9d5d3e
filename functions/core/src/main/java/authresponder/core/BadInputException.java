package authresponder.core;

/** The caller sent something we will not act on. The message is safe to return: it never echoes a secret. */
public final class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message, null, false, false);
    }
}
