package authresponder.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;

/**
 * A real redis-server on a free loopback port, with no persistence, in a working directory of its own (a
 * replica writes the RDB it receives there: in a shared directory the next server would load it). Close it to stop it.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final ChildProcess child;

    private RedisServer(int port, List<String> extraArgs) {
        this.port = port;
        try {
            dir = Files.createTempDirectory("auth-responder-redis-" + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of("redis-server",
                "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
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

    static RedisServer startClusterNode(int port, String nodesFile, List<String> extraArgs) {
        List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file", nodesFile,
                "--cluster-node-timeout", "2000"));
        args.addAll(extraArgs);
        return new RedisServer(port, args);
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** kill -9: the process dies at once, as a crashed host's would; close() afterwards is harmless. */
    public void kill() {
        child.process().destroyForcibly(); // SIGKILL on Linux (Process.destroyForcibly)
        try {
            child.process().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the process stays, its sockets accept connections, and nothing answers until {@link #resume()}. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(child.process().pid())).redirectErrorStream(true).start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " failed: " + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server abruptly, as a crashed or failed-over node would: clients see the connection drop. */
    @Override
    public void close() {
        child.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}
