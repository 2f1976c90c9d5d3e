package authresponder.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * moto, the AWS API emulator, as a real HTTP server on a free loopback port. One per test JVM is enough:
 * {@link #shared()} starts it once and a shutdown hook stops it; {@link #reset()} clears its state.
 */
public final class MotoServer implements AutoCloseable {
    public static final String REGION = "eu-west-2";
    public static final String ACCOUNT = "123456789012";

    private static MotoServer shared;

    private final int port;
    private final ChildProcess child;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MotoServer() {
        port = Ports.free();
        child = new ChildProcess(List.of(python(), "-m", "moto.server", "-H", "127.0.0.1", "-p", String.valueOf(port)), "moto-" + port);
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            if (!child.process().isAlive()) {
                throw new IllegalStateException("moto exited: is it installed (pip install 'moto[server]')?\n" + child.logTail());
            }
            try {
                if (get("/moto-api/").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Ports.sleep(50);
            }
        }
        child.close();
        throw new IllegalStateException("moto did not answer within 30 s\n" + child.logTail());
    }

    private static String python() {
        return System.getenv().getOrDefault("MOTO_PYTHON", "python3");
    }

    public static synchronized MotoServer start() {
        return new MotoServer();
    }

    /** The JVM-wide server, started on first use and stopped when the JVM exits. */
    public static synchronized MotoServer shared() {
        if (shared == null) {
            shared = new MotoServer();
        }
        return shared;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The environment a function needs to talk to this server with the real SDK clients. */
    public Map<String, String> awsEnvironment() {
        return Map.of(
                "AWS_ENDPOINT_URL", endpoint(),
                "AWS_REGION", REGION,
                "AWS_ACCESS_KEY_ID", "testing",
                "AWS_SECRET_ACCESS_KEY", "testing");
    }

    public void reset() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/moto-api/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("moto reset answered " + response.statusCode());
            }
        } catch (IOException e) {
            throw new IllegalStateException("moto reset failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(endpoint() + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        child.close();
    }
}
