package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import authresponder.testkit.SelfSignedCertificate;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key-exchange groups a function's TLS offers, each case in a fresh JVM ({@link KeyExchangeProbe}), against
 * a real HTTPS server that accepts secp256r1 alone: the curve moved back must still be reachable.
 */
class KeyExchangeTest {
    private static final SelfSignedCertificate CERTIFICATE = SelfSignedCertificate.make("secp256r1-only");
    @TempDir
    Path dir;
    private HttpsServer server;
    private Path trustStore;

    @BeforeEach
    void serve() throws Exception {
        server = CERTIFICATE.server();
        SSLContext tls = server.getHttpsConfigurator().getSSLContext();
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters parameters) {
                SSLParameters only = tls.getDefaultSSLParameters();
                only.setNamedGroups(new String[] {"secp256r1"});
                parameters.setSSLParameters(only);
            }
        });
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        trustStore = dir.resolve("trust.jks");
        CERTIFICATE.writeTrustStore(trustStore);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void x25519AndSecp384r1AreOfferedFirstAndASecp256r1ServerIsStillReached() throws Exception {
        assertEquals(List.of(AwsClients.KEY_EXCHANGE_GROUPS, "204"), probe());
    }

    @Test
    void anOperatorsOwnGroupsStand() throws Exception {
        assertEquals(List.of("secp256r1,x25519", "204"), probe("-D" + AwsClients.KEY_EXCHANGE_SETTING + "=secp256r1,x25519"));
    }

    private List<String> probe(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(options));
        command.addAll(List.of("-Djavax.net.ssl.trustStore=" + trustStore, "-cp", System.getProperty("java.class.path"), KeyExchangeProbe.class.getName(),
                "https://localhost:" + server.getAddress().getPort() + "/"));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.waitFor(), output);
            return output.lines().toList();
        } finally {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
