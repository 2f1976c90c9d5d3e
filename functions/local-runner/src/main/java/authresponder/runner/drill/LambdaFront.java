package authresponder.runner.drill;

import authresponder.core.Json;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * moto's AWS endpoint with one thing moto cannot answer: an authoriser function with SnapStart. moto's
 * GetFunctionConfiguration always answers {@code SnapStart: {ApplyOn: None}}; in AWS, a function published with
 * SnapStart answers {@code ApplyOn: PublishedVersions} (Lambda API reference, GetFunctionConfiguration,
 * SnapStartResponse). While {@link #snapStart} is on, this front says so for the authoriser's configuration and
 * passes every other request to moto unchanged, on loopback.
 */
final class LambdaFront implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding", "expect", "upgrade");

    private final HttpServer server;
    private final URI moto;
    private final String configurationPath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile boolean snapStart;

    LambdaFront(String motoEndpoint, String function) {
        moto = URI.create(motoEndpoint);
        configurationPath = "/2015-03-31/functions/" + function + "/configuration";
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new IllegalStateException("could not listen on loopback", e);
        }
        server.createContext("/", this::forward);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on the authoriser reports SnapStart on published versions (true), or what moto says (false). */
    void snapStart(boolean on) {
        snapStart = on;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(moto.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] answer = response.body();
            if (snapStart && response.statusCode() == 200 && "GET".equals(exchange.getRequestMethod())
                    && exchange.getRequestURI().getPath().equals(configurationPath)) {
                JsonObject configuration = Json.parseObject(new String(answer, StandardCharsets.UTF_8), "GetFunctionConfiguration");
                JsonObject snap = new JsonObject();
                snap.addProperty("ApplyOn", "PublishedVersions");
                snap.addProperty("OptimizationStatus", "On");
                configuration.add("SnapStart", snap);
                answer = Json.write(configuration).getBytes(StandardCharsets.UTF_8);
            }
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
