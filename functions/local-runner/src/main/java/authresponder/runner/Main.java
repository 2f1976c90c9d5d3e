package authresponder.runner;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.LocalContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The local runner: the same handler code as Lambda, configured from the same environment variables.
 * {@code invoke FUNCTION --event FILE|-} prints the result JSON on stdout and exits 0 on success (dry runs
 * included), 2 on bad input, 1 when the action failed, 3 when the same request is still in progress in another invocation.
 */
public final class Main {
    /** The deployed functions by name, as the CDK app names them. */
    static final Map<String, String> FUNCTIONS = new TreeMap<>(Map.of(
            "diagnose", "authresponder.diagnose.DiagnoseHandler",
            "flush-cache", "authresponder.flushcache.FlushCacheHandler",
            "restart-authoriser", "authresponder.restart.RestartAuthoriserHandler",
            "escalate", "authresponder.escalate.EscalateHandler",
            "watch-keys", "authresponder.watchkeys.WatchKeysHandler"));

    static final int USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err, Env.system()));
    }

    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Env env) {
        if (args.length == 0) {
            return usage(err);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "invoke" -> invoke(rest, stdin, out, err, env);
            case "drill" -> authresponder.runner.drill.Drill.run(rest, out, err);
            default -> usage(err);
        };
    }

    static int invoke(String[] args, InputStream stdin, PrintStream out, PrintStream err, Env env) {
        if (args.length != 3 || !"--event".equals(args[1])) {
            return usage(err);
        }
        String function = args[0];
        byte[] event;
        try {
            event = "-".equals(args[2]) ? stdin.readAllBytes() : Files.readAllBytes(Path.of(args[2]));
        } catch (NoSuchFileException e) {
            err.println("auth-responder: no such event file: " + args[2]);
            return USAGE;
        } catch (IOException e) {
            err.println("auth-responder: cannot read the event: " + e.getMessage());
            return USAGE;
        }
        FunctionHandler<?, ?> handler;
        try {
            handler = handler(function, env);
        } catch (ConfigException e) {
            err.println("auth-responder: " + function + " is not configured: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("auth-responder: " + e.getMessage());
            return USAGE;
        }
        Duration timeout = env.duration("LOCAL_TIMEOUT", Duration.ofSeconds(60));
        FunctionHandler.Answer answer = handler.handle(event, new LocalContext(function, timeout));
        out.println(answer.response());
        return answer.result().outcome().exitCode();
    }

    /** Constructs a function's handler as Lambda would, but with the given settings. */
    public static FunctionHandler<?, ?> handler(String function, Env env) {
        String className = FUNCTIONS.get(function);
        if (className == null) {
            throw new IllegalArgumentException("unknown function '" + function + "'; known: " + String.join(", ", FUNCTIONS.keySet()));
        }
        try {
            return (FunctionHandler<?, ?>) Class.forName(className).getConstructor(Env.class).newInstance(env);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("function '" + function + "' is not built into this runner (" + className + ")");
        }
    }

    private static int usage(PrintStream err) {
        err.println("usage: auth-responder invoke FUNCTION --event FILE|-   (functions: " + String.join(", ", FUNCTIONS.keySet()) + ")");
        return USAGE;
    }
}
