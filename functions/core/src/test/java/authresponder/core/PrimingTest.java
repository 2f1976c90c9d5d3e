package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/** SnapStart's hooks, called directly as Lambda's runtime would call them around a snapshot. */
class PrimingTest {

    record Ping(String action) {}

    /** A function with a client its first event needs, built on first use, and a per-environment id. */
    static final class PingHandler extends FunctionHandler<Ping, String> {
        final AtomicInteger clientsBuilt = new AtomicInteger();
        final CountDownLatch built = new CountDownLatch(1);
        final Lazy<Thread> client = Lazy.of(() -> {
            clientsBuilt.incrementAndGet();
            built.countDown();
            return Thread.currentThread();
        });
        final AtomicInteger runs = new AtomicInteger();
        volatile String environmentId = "snapshot";

        PingHandler() {
            super("ping", Ping.class, new Env(Map.of()));
        }

        @Override
        protected List<Lazy<?>> firstEventClients() {
            return List.of(client);
        }

        @Override
        protected void restored() {
            environmentId = "restored";
        }

        @Override
        protected Result<String> run(Ping command, Invocation invocation) {
            runs.incrementAndGet();
            return Result.of(Outcome.DONE, "pong", "pong");
        }
    }

    @Test
    void beforeCheckpointPrimesTheEdgeAndTheClientsWithoutRunningOrLogging() {
        PingHandler handler = new PingHandler();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream logs = new PrintStream(logged, true, StandardCharsets.UTF_8);
        PrintStream before = Log.redirect(logs);
        try {
            handler.priming().beforeCheckpoint(null);

            assertEquals(1, handler.clientsBuilt.get(), "the function's own priming ran");
            assertEquals(0, handler.runs.get(), "priming never runs a command");
            assertEquals("", logged.toString(StandardCharsets.UTF_8), "priming leaves no log line");
            assertSame(logs, Log.redirect(logs), "the logs go where they went before");

            FunctionHandler.Answer answer = handler.handle("{\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8),
                    new LocalContext("ping", Duration.ofSeconds(5)));
            assertEquals(Outcome.DONE, answer.result().outcome(), "a primed function answers its first event");
            assertTrue(logged.toString(StandardCharsets.UTF_8).contains("\"event\":\"result\""), "and logs it");
        } finally {
            Log.redirect(before);
        }
    }

    @Test
    void prepareBuildsTheFirstEventsClientsOnAThreadOfTheirOwnAndPrimingThenFindsThemBuilt() throws InterruptedException {
        PingHandler handler = new PingHandler();
        handler.prepare();
        assertTrue(handler.built.await(5, TimeUnit.SECONDS), "built without anyone asking for it");
        assertNotEquals(Thread.currentThread(), handler.client.get(), "built beside the init, not on its thread");
        handler.prime();
        assertEquals(1, handler.clientsBuilt.get(), "built once");
    }

    @Test
    void afterRestoreRenewsTheRoleCredentialsAndTheFunctionsOwnState() throws IOException {
        // The role's credentials as a SnapStart function gets them: from the container credentials endpoint.
        AtomicInteger served = new AtomicInteger();
        HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/credentials", exchange -> {
            byte[] body = ("{\"AccessKeyId\":\"ASIAROLE" + served.incrementAndGet() + "\",\"SecretAccessKey\":\"secret\",\"Token\":\"token\","
                    + "\"Expiration\":\"" + Instant.now().plus(Duration.ofHours(6)) + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        endpoint.start();
        Map<String, String> properties = Map.of(
                "aws.containerCredentialsFullUri", "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/credentials",
                "aws.sharedCredentialsFile", "/nonexistent/credentials",
                "aws.configFile", "/nonexistent/config");
        properties.forEach(System::setProperty);
        try {
            AwsClients.renewCredentials();
            AwsCredentialsProvider role = new AwsClients(new Env(Map.of("AWS_REGION", "eu-west-2"))).credentials();
            String beforeSnapshot = role.resolveCredentials().accessKeyId();
            assertEquals(beforeSnapshot, role.resolveCredentials().accessKeyId(), "valid credentials are kept between calls");

            PingHandler handler = new PingHandler();
            handler.priming().afterRestore(null);

            assertNotEquals(beforeSnapshot, role.resolveCredentials().accessKeyId(), "a restored environment resolves its own credentials");
            assertEquals("restored", handler.environmentId);
        } finally {
            properties.keySet().forEach(System::clearProperty);
            AwsClients.renewCredentials();
            endpoint.stop(0);
        }
    }
}
