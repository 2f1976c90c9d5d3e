package authresponder.core.policy;

/** The runbooks or the routing data are wrong: the message names the file and the field. */
public final class PolicyException extends RuntimeException {
    public PolicyException(String message) {
        super(message);
    }
}
