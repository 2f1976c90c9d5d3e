package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.testkit.SelfSignedCertificate;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLHandshakeException;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/** Whom the SDK's HTTP client trusts, over real HTTPS: Amazon's roots first, the rest of the JDK's trust only when met. */
class AmazonTrustTest {
    private static final SelfSignedCertificate SERVER = SelfSignedCertificate.make("not-amazon");
    private HttpsServer server;

    @BeforeEach
    void serve() throws IOException {
        server = SERVER.server();
        server.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void carriesAmazonTrustServicesRootsExactlyAsTheJdkTrustsThem() throws Exception {
        KeyStore roots = AmazonTrust.roots();
        List<X509Certificate> carried = Collections.list(roots.aliases()).stream()
                .map(alias -> {
                    try {
                        return (X509Certificate) roots.getCertificate(alias);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();

        assertEquals(Set.of("CN=Amazon Root CA 1, O=Amazon, C=US", "CN=Amazon Root CA 2, O=Amazon, C=US",
                        "CN=Amazon Root CA 3, O=Amazon, C=US", "CN=Amazon Root CA 4, O=Amazon, C=US",
                        "CN=Starfield Services Root Certificate Authority - G2, O=\"Starfield Technologies, Inc.\", L=Scottsdale, ST=Arizona, C=US"),
                carried.stream().map(root -> root.getSubjectX500Principal().getName(X500Principal.RFC1779))
                        .collect(Collectors.toSet()));
        List<X509Certificate> jdk = List.of(AmazonTrust.checking(null).getAcceptedIssuers()); // a store may hold a root twice
        for (X509Certificate root : carried) {
            root.verify(root.getPublicKey()); // self-signed: a root, not an intermediate
            assertTrue(root.getBasicConstraints() >= 0, root.getSubjectX500Principal() + " is not a CA");
            assertTrue(jdk.contains(root), root.getSubjectX500Principal() + " differs from the JDK's own copy");
        }
    }

    @Test
    void aChainAmazonDoesNotSignIsCheckedAgainstTheOtherTrustOnlyWhenOneArrives() throws Exception {
        AtomicInteger made = new AtomicInteger();
        AmazonTrust trust = new AmazonTrust(() -> {
            made.incrementAndGet();
            return AmazonTrust.checking(SERVER.trust());
        });
        try (SdkHttpClient http = UrlConnectionHttpClient.builder().tlsTrustManagersProvider(trust).build()) {
            assertEquals(0, made.get(), "the other trust was read before any server was met");

            assertEquals("hello", get(http, "https://127.0.0.1:" + port() + "/"));
            assertEquals("hello", get(http, "https://localhost:" + port() + "/"));

            assertEquals(1, made.get(), "the other trust is read once, when first needed");
        }
    }

    @Test
    void aServerNeitherTrustsIsRefused() {
        try (SdkHttpClient http = UrlConnectionHttpClient.builder().tlsTrustManagersProvider(new AmazonTrust()).build()) {
            assertThrows(SSLHandshakeException.class, () -> get(http, "https://127.0.0.1:" + port() + "/"));
        }
    }

    @Test
    void aTrustedChainForAnotherHostIsRefused() throws IOException {
        SelfSignedCertificate elsewhere = SelfSignedCertificate.make("elsewhere", "dns:elsewhere.example");
        HttpsServer other = elsewhere.server();
        other.createContext("/", exchange -> exchange.sendResponseHeaders(204, -1));
        other.start();
        AtomicInteger made = new AtomicInteger();
        AmazonTrust trust = new AmazonTrust(() -> {
            made.incrementAndGet();
            return AmazonTrust.checking(elsewhere.trust());
        });
        try (SdkHttpClient http = UrlConnectionHttpClient.builder().tlsTrustManagersProvider(trust).build()) {
            assertThrows(IOException.class, () -> get(http, "https://127.0.0.1:" + other.getAddress().getPort() + "/"));
            assertEquals(1, made.get(), "the chain was not checked against the trust that signs it");
        } finally {
            other.stop(0);
        }
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private static String get(SdkHttpClient http, String uri) throws IOException {
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                .request(SdkHttpFullRequest.builder().method(SdkHttpMethod.GET).uri(URI.create(uri)).build())
                .build()).call();
        assertEquals(200, response.httpResponse().statusCode());
        try (var body = response.responseBody().orElseThrow()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
