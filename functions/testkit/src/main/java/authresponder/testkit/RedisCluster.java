package authresponder.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real three-primary Redis Cluster on loopback, joined with redis-cli --cluster create. */
public final class RedisCluster implements AutoCloseable {
    private final List<RedisServer> nodes = new ArrayList<>();
    private final Path dir;

    private RedisCluster(int primaries, List<String> nodeArgs) {
        try {
            dir = Files.createTempDirectory("auth-responder-cluster");
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (int i = 0; i < primaries; i++) {
                int port = Ports.freeWithBus();
                nodes.add(RedisServer.startClusterNode(port, dir.resolve("nodes-" + port + ".conf").toString(), nodeArgs));
                create.add("127.0.0.1:" + port);
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process join = new ProcessBuilder(create).redirectErrorStream(true).start();
            String output = new String(join.getInputStream().readAllBytes());
            if (!join.waitFor(30, TimeUnit.SECONDS) || join.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
            }
            awaitClusterOk();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** nodeArgs are redis-server options for every node, e.g. "--cluster-require-full-coverage", "no". */
    public static RedisCluster start(int primaries, String... nodeArgs) {
        return new RedisCluster(primaries, List.of(nodeArgs));
    }

    /**
     * Waits until the live nodes mark a dead one failed (flag {@code fail}, after the node timeout of 2 s and a
     * majority of primaries' reports), as a cluster does some seconds after a node dies.
     */
    public void awaitMarkedFailed(RedisServer dead) {
        RedisServer live = nodes.stream().filter(n -> n != dead).findFirst().orElseThrow();
        try {
            for (int attempt = 0; attempt < 300; attempt++) {
                boolean marked = cli(live, "cluster", "nodes").lines()
                        .anyMatch(line -> line.contains(":" + dead.port() + "@") && List.of(line.split(" ")[2].split(",")).contains("fail"));
                if (marked) {
                    return;
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("the cluster did not mark node " + dead.port() + " failed within 30 s");
    }

    private static String cli(RedisServer node, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(node.port())));
        args.addAll(List.of(command));
        Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return text;
    }

    private void awaitClusterOk() throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            boolean allOk = true;
            for (RedisServer node : nodes) {
                allOk &= cli(node, "cluster", "info").contains("cluster_state:ok");
            }
            if (allOk) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("cluster did not reach cluster_state:ok");
    }

    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** The URL of one node: a cluster client discovers the rest from it, as from a configuration endpoint. */
    public String seedUrl() {
        return nodes.getFirst().url();
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // temp files
            }
        }
    }
}
