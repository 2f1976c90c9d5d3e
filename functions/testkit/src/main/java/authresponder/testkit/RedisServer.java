package authresponder.testkit;

import java.util.ArrayList;
import java.util.List;
import java.time.Duration;

/** A real redis-server on a free loopback port, with no persistence. Close it to stop it. */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final ChildProcess child;

    private RedisServer(int port, List<String> extraArgs) {
        this.port = port;
        List<String> command = new ArrayList<>(List.of("redis-server",
                "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no"));
        command.addAll(extraArgs);
        child = new ChildProcess(command, "redis-" + port);
        try {
            Ports.awaitListening(port, Duration.ofSeconds(10), child.process());
        } catch (IllegalStateException e) {
            child.close();
            throw new IllegalStateException(e.getMessage() + "\n" + child.logTail(), e);
        }
    }

    /** A plain server. extraArgs are redis-server options, e.g. "--maxmemory", "2mb", "--requirepass", "secret". */
    public static RedisServer start(String... extraArgs) {
        return new RedisServer(Ports.free(), List.of(extraArgs));
    }

    static RedisServer startClusterNode(int port, String nodesFile) {
        return new RedisServer(port, List.of("--cluster-enabled", "yes", "--cluster-config-file", nodesFile,
                "--cluster-node-timeout", "2000"));
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the server abruptly, as a crashed or failed-over node would: clients see the connection drop. */
    @Override
    public void close() {
        child.close();
    }
}
