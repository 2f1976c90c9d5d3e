package authresponder.cache;

/** The cache could not be found, reached or authenticated against. The message names the endpoint, never a secret. */
public final class CacheException extends RuntimeException {
    public CacheException(String message, Throwable cause) {
        super(message, cause);
    }

    public CacheException(String message) {
        super(message);
    }
}
