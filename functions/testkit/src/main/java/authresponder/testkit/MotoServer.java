package authresponder.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

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
    /** For a server started with a movable clock: the file its clock offset (seconds) is read from; else null. */
    private final Path clockOffset;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MotoServer(boolean movableClock) {
        port = Ports.free();
        Path script = bootstrap();
        List<String> command = List.of(python(), script.toString(), "127.0.0.1", String.valueOf(port));
        if (movableClock) {
            clockOffset = script.resolveSibling("clock-offset");
            clockShift(Duration.ZERO);
            command = concat(command, List.of(clockOffset.toString()));
        } else {
            clockOffset = null;
        }
        child = new ChildProcess(command, "moto-" + port);
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
        return new MotoServer(false);
    }

    /** A server whose clock {@link #clockShift} moves: the drill backdates what it sets up (a function deployed days ago). */
    public static synchronized MotoServer startWithMovableClock() {
        return new MotoServer(true);
    }

    /** From now on the server's clock reads {@code shift} away from the real time (negative: in the past). */
    public void clockShift(Duration shift) {
        if (clockOffset == null) {
            throw new IllegalStateException("this moto server was not started with a movable clock");
        }
        try {
            Files.writeString(clockOffset, String.valueOf(shift.toSeconds()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes moto_server.py (one request at a time, optional movable clock) to a temp directory. */
    private static Path bootstrap() {
        try {
            Path directory = Files.createTempDirectory("auth-responder-moto");
            directory.toFile().deleteOnExit();
            Path script = directory.resolve("moto_server.py");
            try (InputStream in = MotoServer.class.getResourceAsStream("/testkit/moto_server.py")) {
                Files.copy(in, script);
            }
            script.toFile().deleteOnExit();
            directory.resolve("clock-offset").toFile().deleteOnExit();
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write moto's bootstrap", e);
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
    }

    /** The JVM-wide server, started on first use and stopped when the JVM exits. */
    public static synchronized MotoServer shared() {
        if (shared == null) {
            shared = new MotoServer(false);
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

    /**
     * Makes an IAM role (moto checks that a Lambda function's execution role exists) and returns its ARN;
     * an existing one is kept. The IAM API is form-encoded, so a plain request does it without the IAM SDK.
     */
    public String createRole(String name) {
        String form = "Action=CreateRole&Version=2010-05-08&RoleName=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)
                + "&AssumeRolePolicyDocument=" + java.net.URLEncoder.encode("{\"Version\":\"2012-10-17\",\"Statement\":[]}", StandardCharsets.UTF_8);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261121/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 && !response.body().contains("EntityAlreadyExists")) {
                throw new IllegalStateException("CreateRole answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return "arn:aws:iam::" + ACCOUNT + ":role/" + name;
    }

    /** Code for a Lambda function created in moto, which never runs it: any zip will do. */
    public static byte[] placeholderCode() {
        return code("a stand-in for the function's code");
    }

    /** A function's code as a zip holding this text: other text, another CodeSha256. */
    public static byte[] code(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("README"));
            zip.write(text.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
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
