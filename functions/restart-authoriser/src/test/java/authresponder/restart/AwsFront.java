package authresponder.restart;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One AWS endpoint for a test, as LocalStack is one: each request goes to the stand-in registered for its
 * service (read from the SigV4 credential scope, in the Authorization header or a presigned query), and
 * everything else to moto. So a test fakes only the wire moto does not speak faithfully.
 */
final class AwsFront implements AutoCloseable {
    /** Answers one service's requests in that service's own wire format. */
    interface StandIn {
        void handle(HttpExchange exchange, String body) throws IOException;
    }

    private static final Pattern SCOPE = Pattern.compile("Credential=[^/]+/\\d{8}/[^/]+/([^/]+)/aws4_request");
    private static final Pattern PRESIGNED_SCOPE = Pattern.compile("X-Amz-Credential=[^&]+%2F\\d{8}%2F[^&%]+%2F([^&%]+)%2Faws4_request");
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "transfer-encoding");

    private final HttpServer server;
    private final String moto;
    private final Map<String, StandIn> standIns = new ConcurrentHashMap<>();

    AwsFront(String motoEndpoint) {
        this.moto = motoEndpoint;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::route);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    AwsFront with(String service, StandIn standIn) {
        standIns.put(service, standIn);
        return this;
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            StandIn standIn = standIns.get(service(exchange));
            if (standIn != null) {
                standIn.handle(exchange, body);
            } else {
                forward(exchange, body);
            }
        } catch (RuntimeException | IOException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private static String service(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        Matcher matcher = authorization == null ? null : SCOPE.matcher(authorization);
        if (matcher != null && matcher.find()) {
            return matcher.group(1);
        }
        String query = exchange.getRequestURI().getRawQuery();
        matcher = query == null ? null : PRESIGNED_SCOPE.matcher(query);
        return matcher != null && matcher.find() ? matcher.group(1) : "unknown";
    }

    private void forward(HttpExchange exchange, String body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(moto + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery())).toURL().openConnection();
        connection.setRequestMethod(exchange.getRequestMethod());
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                values.forEach(value -> connection.addRequestProperty(name, value));
            }
        });
        String query = exchange.getRequestURI().getRawQuery();
        if (exchange.getRequestHeaders().getFirst("Authorization") == null && query != null && query.contains("X-Amz-Credential=")) {
            // moto finds the service of a request in its Authorization header only; a presigned URL carries it in the query
            String credential = URLDecoder.decode(query.replaceFirst(".*X-Amz-Credential=([^&]+).*", "$1"), StandardCharsets.UTF_8);
            connection.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=host, Signature=presigned");
        }
        if (!body.isEmpty()) {
            connection.setDoOutput(true);
            connection.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        var stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        byte[] answer = stream == null ? new byte[0] : stream.readAllBytes();
        connection.getHeaderFields().forEach((name, values) -> {
            if (name != null && !NOT_FORWARDED.contains(name.toLowerCase())) {
                exchange.getResponseHeaders().put(name, List.copyOf(values));
            }
        });
        exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
        exchange.getResponseBody().write(answer);
    }

    static void answer(HttpExchange exchange, int status, String json, Map<String, String> headers) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
