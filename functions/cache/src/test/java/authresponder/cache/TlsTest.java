package authresponder.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.testkit.Ports;
import authresponder.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** rediss:// against a real redis-server with TLS, its self-signed certificate made by openssl for this run. */
class TlsTest {
    private static Path dir;
    private static RedisServer redis;
    private static int tlsPort;

    @BeforeAll
    static void startTlsRedis() throws Exception {
        dir = Files.createTempDirectory("auth-responder-tls");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
                .redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        assertEquals(0, openssl.waitFor(), output);
        tlsPort = Ports.free();
        redis = RedisServer.start("--tls-port", String.valueOf(tlsPort),
                "--tls-cert-file", dir.resolve("cert.pem").toString(), "--tls-key-file", dir.resolve("key.pem").toString(),
                "--tls-ca-cert-file", dir.resolve("cert.pem").toString(), "--tls-auth-clients", "no",
                "--requirepass", "tls-token");
        Ports.awaitListening(tlsPort, Duration.ofSeconds(5), null);
    }

    @AfterAll
    static void stop() throws IOException {
        if (redis != null) {
            redis.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void redissConnectsWithTheTrustedCaAndTheToken() {
        CacheConnector connector = new CacheConnector(new Env(Map.of("CACHE_URL", "rediss://127.0.0.1:" + tlsPort,
                "CACHE_AUTH_TOKEN", "tls-token", "CACHE_TLS_CA_FILE", dir.resolve("cert.pem").toString())));
        try (Cache cache = connector.open(Budget.of(Duration.ofSeconds(10)))) {
            assertTrue(cache.primaries().getFirst().endpoint().tls());
            assertEquals("PONG", cache.primaries().getFirst().jedis().ping());
        }
    }

    @Test
    void anUntrustedCertificateIsRefused() {
        CacheConnector connector = new CacheConnector(new Env(Map.of("CACHE_URL", "rediss://127.0.0.1:" + tlsPort,
                "CACHE_AUTH_TOKEN", "tls-token")));
        CacheException e = assertThrows(CacheException.class, () -> connector.open(Budget.of(Duration.ofSeconds(10))));
        assertTrue(e.getMessage().contains("(TLS)"), e.getMessage());
    }

    @Test
    void plainRedisToATlsPortFailsWithinTheBudget() {
        CacheConnector connector = new CacheConnector(new Env(Map.of("CACHE_URL", "redis://127.0.0.1:" + tlsPort,
                "CACHE_AUTH_TOKEN", "tls-token")));
        assertThrows(CacheException.class, () -> connector.open(Budget.of(Duration.ofSeconds(2))));
    }
}
