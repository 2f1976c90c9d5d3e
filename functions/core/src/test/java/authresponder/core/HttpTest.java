package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.testkit.LocalIdp;
import authresponder.testkit.SelfSignedCertificate;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An identity provider's answers as the checks read them, and every way it can fail to answer, over real HTTP. */
class HttpTest {
    private final Http http = new Http();
    private final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();
    private HttpServer server;
    private ServerSocket raw;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.stop(0);
        }
        if (raw != null) {
            raw.close();
        }
        connections.shutdownNow();
    }

    @Test
    void anAnswerComesWithItsStatusBodyCachingAndTheServersClockSkew() throws Exception {
        // the JDK's HttpServer writes its own Date: this server says what an IdP an hour ahead would
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC));
        String body = "{\"issuer\":\"https://idp.example\"}";
        URI uri = rawServer(socket -> {
            socket.getInputStream().read(new byte[8192]);
            socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nDate: " + date + "\r\nCache-Control: public, max-age=300\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
        });

        Http.Response response = http.get(uri, Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5)));

        assertEquals(200, response.status());
        assertEquals("{\"issuer\":\"https://idp.example\"}", response.body());
        assertEquals(Optional.of("public, max-age=300"), response.cacheControl());
        Duration skew = response.skew().orElseThrow();
        assertTrue(skew.minus(Duration.ofHours(1)).abs().compareTo(Duration.ofSeconds(2)) < 0, "about an hour ahead: " + skew);
    }

    @Test
    void anErrorStatusIsAnAnswerWithWhateverBodyItHas() throws Exception {
        assertEquals("upstream down", http.get(serve(500, "upstream down"), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))).body());

        Http.Response empty = http.get(serve(404, ""), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5)));
        assertEquals(404, empty.status());
        assertEquals("", empty.body());
    }

    @Test
    void aServerThatNeverAnswersEndsAtTheDeadline() throws Exception {
        URI uri = rawServer(socket -> readUntilClosed(socket));

        assertEndsAtDeadline(uri, Duration.ofMillis(500));
    }

    @Test
    void aBodyThatTricklesPastTheDeadlineEndsAtTheDeadline() throws Exception {
        // each byte comes well within any per-read timeout; only a deadline for the whole exchange stops it
        URI uri = rawServer(socket -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 100_000; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(50);
            }
        });

        assertEndsAtDeadline(uri, Duration.ofMillis(700));
    }

    /** The exchange fails as unanswered, and well before its deadline plus any slack a hang would need. */
    private void assertEndsAtDeadline(URI uri, Duration deadline) {
        Instant start = Instant.now();
        Http.NoAnswer failure = assertThrows(Http.NoAnswer.class, () -> http.get(uri, Http.Origin.PUBLISHED, Budget.of(deadline)));

        assertTrue(failure.getMessage().startsWith("no answer within"), failure.getMessage());
        assertTrue(Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(2)) < 0, "ended near its " + deadline + " deadline");
    }

    @Test
    void aBodyLargerThanAnyKeySetIsRefused() throws Exception {
        URI uri = serve(200, "x".repeat(Http.MAX_BODY_BYTES + 1));

        Http.NoAnswer failure = assertThrows(Http.NoAnswer.class, () -> http.get(uri, Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))));

        assertTrue(failure.getMessage().contains("larger than " + Http.MAX_BODY_BYTES + " bytes"), failure.getMessage());
    }

    @Test
    void aClosedPortIsARefusedConnection() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }

        Http.NoAnswer failure = assertThrows(Http.NoAnswer.class,
                () -> http.get(URI.create("http://127.0.0.1:" + port + "/jwks"), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))));

        assertEquals("connection refused", failure.getMessage());
    }

    @Test
    void onlyHttpUrlsAreFetched() {
        assertThrows(IllegalArgumentException.class, () -> http.get(URI.create("file:///etc/passwd"), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))));
        assertThrows(IllegalArgumentException.class, () -> http.get(URI.create("/jwks"), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))));
    }

    // ---- where it may connect: checked before any socket (addresses are literals: nothing is resolved or sent) ----

    @Test
    void metadataLinkLocalAndUnspecifiedAddressesAreNeverConnectedTo() throws Exception {
        for (String address : List.of("169.254.169.254", "[fd00:ec2::254]", "169.254.1.1", "[fe80::1]", "0.0.0.0", "[::]", "224.0.0.1")) {
            for (Http.Origin origin : Http.Origin.values()) {
                URI uri = URI.create("https://" + address + "/latest/meta-data/");
                Http.Refused refused = assertThrows(Http.Refused.class, () -> Http.checkedAddress(uri, origin), address);
                assertTrue(refused.getMessage().endsWith(": not connected to"), refused.getMessage());
            }
        }
    }

    @Test
    void privateAddressesOnlyForAUrlTheOperatorConfigured() throws Exception {
        for (String address : List.of("10.0.0.1", "172.16.0.1", "192.168.1.1", "100.64.0.1", "[fd12:3456::1]")) {
            URI uri = URI.create("https://" + address + "/jwks");
            Http.Refused refused = assertThrows(Http.Refused.class, () -> Http.checkedAddress(uri, Http.Origin.PUBLISHED), address);
            assertTrue(refused.getMessage().contains("a private address, which only a configured URL may name"), refused.getMessage());
            assertEquals(InetAddress.getByName(address.replaceAll("[\\[\\]]", "")), Http.checkedAddress(uri, Http.Origin.CONFIGURED));
        }
        assertEquals(InetAddress.getByName("203.0.113.7"), Http.checkedAddress(URI.create("https://203.0.113.7/jwks"), Http.Origin.PUBLISHED));
    }

    @Test
    void plainHttpOnlyOnTheLoopbackInterface() throws Exception {
        Http.Refused refused = assertThrows(Http.Refused.class, () -> Http.checkedAddress(URI.create("http://203.0.113.7/jwks"), Http.Origin.PUBLISHED));
        assertEquals("http://203.0.113.7 is not https: plain http only on the loopback interface", refused.getMessage());
        assertTrue(Http.checkedAddress(URI.create("http://127.0.0.1:8080/jwks"), Http.Origin.PUBLISHED).isLoopbackAddress());
        assertTrue(Http.checkedAddress(URI.create("http://[::1]:8080/jwks"), Http.Origin.PUBLISHED).isLoopbackAddress());
    }

    @Test
    void aRedirectToAnotherHostIsNotFollowedAndOnTheSameHostItIs() throws Exception {
        try (LocalIdp idp = LocalIdp.start(); LocalIdp elsewhere = LocalIdp.start()) {
            idp.redirectJwks("http://localhost:" + elsewhere.port() + LocalIdp.JWKS_PATH);
            Http.Refused refused = assertThrows(Http.Refused.class, () -> http.get(idp.jwksUri(), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))));
            assertTrue(refused.getMessage().contains("redirects to http://localhost:" + elsewhere.port() + ", another host: not followed"), refused.getMessage());
            assertEquals(0, elsewhere.connectionCount(), "no connection to the other host");

            idp.redirectJwks(LocalIdp.DISCOVERY_PATH);
            Http.Response followed = http.get(idp.jwksUri(), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5)));
            assertEquals(200, followed.status());
            assertTrue(followed.body().contains("\"jwks_uri\""), followed.body());
        }
    }

    @Test
    void aChunkedBodyIsJoined() throws Exception {
        URI uri = rawServer(socket -> {
            socket.getInputStream().read(new byte[8192]);
            socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "7\r\n{\"keys\"\r\n5;ext=1\r\n:[]}\n\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        });

        assertEquals("{\"keys\":[]}\n", http.get(uri, Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))).body());
    }

    @Test
    void overTlsTheCertificateIsVerifiedAgainstTheUrlsHostName() throws Exception {
        SelfSignedCertificate idp = SelfSignedCertificate.make("idp");
        SelfSignedCertificate impostor = SelfSignedCertificate.make("impostor", "dns:elsewhere.example");
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore both = idp.trust();
        both.setCertificateEntry("impostor", impostor.certificate());
        trust.init(both);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        SSLSocketFactory previous = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
        HttpsServer good = tls(idp);
        HttpsServer bad = tls(impostor);
        try {
            // 0: a chunked body, as the JDK's server sends one of unknown length
            Http.Response answer = http.get(URI.create("https://localhost:" + good.getAddress().getPort() + "/jwks"), Http.Origin.PUBLISHED,
                    Budget.of(Duration.ofSeconds(5)));
            assertEquals(200, answer.status());
            assertEquals("{\"keys\":[]}", answer.body());

            Http.NoAnswer refused = assertThrows(Http.NoAnswer.class, () -> http.get(URI.create("https://localhost:" + bad.getAddress().getPort()
                    + "/jwks"), Http.Origin.PUBLISHED, Budget.of(Duration.ofSeconds(5))));
            assertTrue(refused.getMessage().startsWith("SSLHandshakeException"), "a certificate for another name: " + refused.getMessage());
        } finally {
            HttpsURLConnection.setDefaultSSLSocketFactory(previous);
            good.stop(0);
            bad.stop(0);
        }
    }

    private static HttpsServer tls(SelfSignedCertificate certificate) throws IOException {
        HttpsServer server = certificate.server();
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("{\"keys\":[]}".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        return server;
    }

    private URI serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/openid-configuration");
    }

    private interface Conversation {
        void with(Socket socket) throws Exception;
    }

    /** A server on a plain socket, which does with each connection what the test says: no HTTP library decides for it. */
    private URI rawServer(Conversation conversation) throws IOException {
        raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.submit(() -> {
            while (!raw.isClosed()) {
                Socket socket = raw.accept();
                connections.submit(() -> {
                    try (socket) {
                        conversation.with(socket);
                    } catch (Exception e) {
                        // the client hung up: what the test expects
                    }
                    return null;
                });
            }
            return null;
        });
        return URI.create("http://127.0.0.1:" + raw.getLocalPort() + "/jwks");
    }

    /** Reads the request and never answers: the client's own close ends it. */
    private static void readUntilClosed(Socket socket) throws IOException {
        while (socket.getInputStream().read() != -1) {
            // discard
        }
    }
}
