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

    private RedisCluster(int primaries) {
        try {
            dir = Files.createTempDirectory("auth-responder-cluster");
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (int i = 0; i < primaries; i++) {
                int port = Ports.freeWithBus();
                nodes.add(RedisServer.startClusterNode(port, dir.resolve("nodes-" + port + ".conf").toString()));
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

    public static RedisCluster start(int primaries) {
        return new RedisCluster(primaries);
    }

    private void awaitClusterOk() throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            boolean allOk = true;
            for (RedisServer node : nodes) {
                Process info = new ProcessBuilder("redis-cli", "-p", String.valueOf(node.port()), "cluster", "info")
                        .redirectErrorStream(true).start();
                String text = new String(info.getInputStream().readAllBytes());
                info.waitFor();
                allOk &= text.contains("cluster_state:ok");
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
