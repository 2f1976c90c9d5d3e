package authresponder.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP proxy on loopback in front of an AWS emulator (moto): requests pass through unchanged
 * until a fault is armed for an operation (the JSON protocol's {@code X-Amz-Target}, e.g.
 * {@code DynamoDB_20120810.PutItem}). Then the next calls of that operation meet the fault, as a network or a
 * service fails in production:
 * <ul>
 *   <li>{@link Fault#LOSE_REPLY}: the request reaches the service and commits; the caller gets HTTP 500
 *       instead of its reply (a reply lost on the way back), and the SDK retries it.</li>
 *   <li>{@link Fault#FAIL}: the service never sees it; the caller gets HTTP 500.</li>
 * </ul>
 * The 500 is DynamoDB's own {@code InternalServerError} in the JSON protocol, which the SDK treats as retryable
 * ("Error handling with DynamoDB", Amazon DynamoDB Developer Guide: HTTP 500 InternalServerError, "OK to retry? Yes").
 */
public final class FaultProxy implements AutoCloseable {
    public enum Fault { LOSE_REPLY, FAIL }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding", "expect", "upgrade",
            "keep-alive");
    private static final String ERROR = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"injected by FaultProxy\"}";

    private final URI upstream;
    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Armed> armed = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

    private record Armed(Fault fault, AtomicInteger left) {}

    private FaultProxy(URI upstream) {
        this.upstream = upstream;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** A proxy in front of the given endpoint, e.g. {@code MotoServer.shared().endpoint()}. */
    public static FaultProxy in(String upstreamEndpoint) {
        return new FaultProxy(URI.create(upstreamEndpoint));
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The AWS settings of {@code awsEnvironment}, with the endpoint pointing here. */
    public Map<String, String> awsEnvironment(Map<String, String> awsEnvironment) {
        Map<String, String> settings = new HashMap<>(awsEnvironment);
        settings.put("AWS_ENDPOINT_URL", endpoint());
        return Map.copyOf(settings);
    }

    /** The next {@code times} calls of the operation meet the fault; the ones after pass again. */
    public void arm(String operation, Fault fault, int times) {
        armed.put(operation, new Armed(fault, new AtomicInteger(times)));
    }

    /** Every call of the operation meets the fault until {@link #heal()}. */
    public void armAlways(String operation, Fault fault) {
        arm(operation, fault, Integer.MAX_VALUE);
    }

    public void heal() {
        armed.clear();
    }

    /** How many calls of the operation reached the proxy (faulted or not). */
    public int calls(String operation) {
        AtomicInteger count = seen.get(operation);
        return count == null ? 0 : count.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String operation = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            seen.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
            Fault fault = take(operation);
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (fault == Fault.FAIL) {
                reply(exchange, 500, ERROR.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", List.of("application/x-amz-json-1.0")));
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(30));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                    values.forEach(value -> forward.header(name, value));
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (fault == Fault.LOSE_REPLY) {
                reply(exchange, 500, ERROR.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", List.of("application/x-amz-json-1.0")));
                return;
            }
            reply(exchange, response.statusCode(), response.body(), response.headers().map());
        }
    }

    private Fault take(String operation) {
        Armed fault = armed.get(operation);
        if (fault == null || fault.left().getAndDecrement() <= 0) {
            return null;
        }
        return fault.fault();
    }

    private static void reply(HttpExchange exchange, int status, byte[] body, Map<String, List<String>> headers) throws IOException {
        headers.forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        client.close();
    }
}
