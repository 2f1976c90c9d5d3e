package authresponder.core;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * SnapStart's runtime hooks for one function, through org.crac (Lambda's Java runtime implements its global
 * context). Before the snapshot the function primes itself ({@link FunctionHandler#prime()}): classes loaded,
 * clients built and their first calls rehearsed, the edge's parsing and serialization run once, with no
 * network call and no action, so an environment restored from the snapshot answers its first event warm.
 * After a restore, what one environment must not share with the others restored from the same snapshot is
 * made anew ({@link FunctionHandler#restored()}): the AWS credentials first of all.
 *
 * <p>Every {@link FunctionHandler} makes one; it registers with CRaC only during a SnapStart init
 * ({@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}), so an on-demand start pays nothing for it.
 */
public final class Priming implements Resource {
    /** Set by Lambda: on-demand, provisioned-concurrency or snap-start. */
    public static final String INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE";

    private final FunctionHandler<?, ?> function;

    private Priming(FunctionHandler<?, ?> function) {
        this.function = function;
    }

    /** The hooks of a function; the handler keeps them (a CRaC context need not keep its resources alive). */
    static Priming of(FunctionHandler<?, ?> function, Env env) {
        Priming priming = new Priming(function);
        if ("snap-start".equals(env.optional(INITIALIZATION_TYPE).orElse(null))) {
            Core.getGlobalContext().register(priming);
        }
        return priming;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        function.prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        AwsClients.renewCredentials();
        function.restored();
    }
}
