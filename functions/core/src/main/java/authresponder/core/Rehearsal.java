package authresponder.core;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * An AWS call rehearsed, not made: the SDK builds, marshals and signs it (with throwaway credentials) and it is
 * stopped before it is sent. Priming rehearses each first-event client's first call, so the classes a real
 * call runs through are loaded and linked before a SnapStart snapshot, with no connection, no credential and
 * no action. Every client {@link AwsClients} builds carries the interceptor that stops it. Rehearsals are reads
 * all the same, so that one sent by mistake would change nothing.
 */
public final class Rehearsal {
    private static final ExecutionAttribute<Boolean> REHEARSED = new ExecutionAttribute<>("authresponder.rehearsal");

    /** Stops a rehearsed call where it would be sent: after marshalling and signing. */
    static final ExecutionInterceptor STOP = new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (Boolean.TRUE.equals(attributes.getAttribute(REHEARSED))) {
                throw new Stopped();
            }
        }
    };

    private Rehearsal() {}

    /** What a rehearsed request carries: the mark the interceptor stops, and credentials that sign nothing real. */
    public static AwsRequestOverrideConfiguration only() {
        return AwsRequestOverrideConfiguration.builder()
                .putExecutionAttribute(REHEARSED, true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("rehearsal", "rehearsal")))
                .build();
    }

    /**
     * Rehearses a call whose request carries {@link #only()}: true when it was stopped before being sent, false
     * when it failed earlier. It never throws: priming goes on whatever a rehearsal does.
     */
    public static boolean run(Runnable call) {
        try {
            call.run();
            return false;
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof Stopped) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("rehearsed, not sent", null, false, false);
        }
    }
}
