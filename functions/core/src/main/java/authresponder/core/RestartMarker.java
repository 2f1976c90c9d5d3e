package authresponder.core;

/**
 * restart-authoriser restarts a Lambda authoriser by writing this variable (the time, ISO-8601) into its
 * environment; diagnose reads it back so that our own restart is not mistaken for a deploy.
 */
public final class RestartMarker {
    public static final String VARIABLE = "AUTH_RESPONDER_RESTARTED_AT";

    private RestartMarker() {}
}
