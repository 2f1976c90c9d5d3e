package authresponder.coldstart;

import authresponder.testkit.SelfSignedCertificate;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * moto behind HTTPS, as AWS's endpoints are: a function's first AWS call pays for a TLS handshake, its trust
 * check and its key exchange, which a plain-HTTP world hides. The front keeps a client's connection open from
 * one request to the next, as AWS does (moto answers HTTP/1.0 and closes each connection), and forwards each
 * request to moto as it came. Its certificate is self-signed, with an RSA 2048 key as AWS's are (the client's
 * check of an EC signature would cost it what AWS's do not); {@link #trustStore} writes it where a JVM can be
 * told to trust it (-Djavax.net.ssl.trustStore).
 */
final class TlsFront implements AutoCloseable {
    /** Headers that describe one hop, not the request: each side sets its own. */
    private static final Set<String> HOP = Set.of("connection", "keep-alive", "transfer-encoding", "content-length", "host");

    static {
        // An answer's headers and body go out as separate writes; with Nagle's algorithm on, the body waits for
        // the client's delayed acknowledgement of the headers (40 ms on Linux), which AWS does not make anyone wait.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** One per JVM: keytool takes a second or two for an RSA key, and a test starts a world per case. */
    private static final SelfSignedCertificate CERTIFICATE = SelfSignedCertificate.rsa("aws-endpoint");

    private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpsServer server;
    private final URI backend;

    TlsFront(URI backend) {
        this.backend = backend;
        try {
            server = CERTIFICATE.server();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(exchanges);
        server.createContext("/", this::forward);
        server.start();
    }

    /** The front's address: by name, as the certificate has it. */
    URI endpoint() {
        return URI.create("https://localhost:" + server.getAddress().getPort());
    }

    /** Writes a trust store holding the front's certificate alone. */
    void trustStore(Path file) throws IOException {
        CERTIFICATE.writeTrustStore(file);
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            HttpURLConnection moto = (HttpURLConnection) backend.resolve(exchange.getRequestURI().toString()).toURL().openConnection();
            moto.setRequestMethod(exchange.getRequestMethod());
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> moto.addRequestProperty(name, value));
                }
            });
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (body.length > 0) {
                moto.setDoOutput(true);
                try (OutputStream out = moto.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = moto.getResponseCode();
            byte[] answer;
            try (InputStream in = status >= 400 ? moto.getErrorStream() : moto.getInputStream()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            }
            moto.getHeaderFields().forEach((name, values) -> {
                if (name != null && !HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        exchanges.shutdownNow();
    }
}
