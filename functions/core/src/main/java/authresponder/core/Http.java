package authresponder.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * GETs to an identity provider (diagnose's checks, watch-keys): every request ends by the budget's deadline,
 * body included, and a body larger than any discovery document or JWKS is refused. Through the JDK's
 * HttpURLConnection, which the AWS SDK's url-connection client has loaded already: the JDK's HttpClient
 * costs a cold process about half a second of loading and set-up before its first answer.
 */
public final class Http {
    /** A discovery document or a JWKS is a few KiB. */
    static final int MAX_BODY_BYTES = 512 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /**
     * Each exchange runs on a thread of its own, so its caller stops waiting at the deadline whatever the server
     * does (a connection's timeouts bound each read, not a body that trickles in); the exchange itself gives up
     * at its next read.
     */
    private static final ExecutorService EXCHANGES = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "http-exchange");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * A response as the checks use it.
     *
     * @param skew the server's Date minus our clock at the midpoint of the exchange (Date has 1 s resolution), if it sent one
     */
    public record Response(int status, String body, Optional<String> cacheControl, Optional<Duration> skew, Duration latency) {}

    /** A request that got no answer: refused, reset, timed out. The message names it for the report. */
    public static final class NoAnswer extends IOException {
        NoAnswer(String message) {
            super(message, null);
        }
    }

    /** @throws IllegalArgumentException if the URI is not an absolute http or https one */
    public Response get(URI uri, Budget budget) throws NoAnswer, InterruptedException {
        if (!uri.isAbsolute() || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new IllegalArgumentException("not an http(s) URL: " + uri);
        }
        long timeout = budget.timeout(budget.remaining()).toMillis();
        Instant deadline = Instant.now().plusMillis(timeout);
        Future<Response> exchange = EXCHANGES.submit(() -> exchange(uri, timeout, deadline));
        try {
            return exchange.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new NoAnswer("no answer within " + timeout + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw new NoAnswer(describe(e.getCause(), timeout));
        }
    }

    private static Response exchange(URI uri, long timeout, Instant deadline) throws IOException {
        Instant sent = Instant.now();
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setConnectTimeout((int) Math.min(CONNECT_TIMEOUT_MILLIS, timeout));
        connection.setReadTimeout((int) timeout);
        connection.setRequestProperty("Accept", "application/json");
        try {
            int status = connection.getResponseCode();
            String body = body(status >= 400 ? connection.getErrorStream() : connection.getInputStream(), deadline);
            Instant received = Instant.now();
            Instant midpoint = sent.plus(Duration.between(sent, received).dividedBy(2));
            Optional<Duration> skew = Optional.ofNullable(connection.getHeaderField("Date")).flatMap(Http::parseDate)
                    .map(date -> Duration.between(midpoint, date));
            return new Response(status, body, Optional.ofNullable(connection.getHeaderField("Cache-Control")), skew,
                    Duration.between(sent, received));
        } catch (IOException e) {
            connection.disconnect();
            throw e;
        }
    }

    /** The body, refused past MAX_BODY_BYTES or the deadline; an error status may come with none. */
    private static String body(InputStream stream, Instant deadline) throws IOException {
        if (stream == null) {
            return "";
        }
        try (stream) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            for (int read = stream.read(chunk); read != -1; read = stream.read(chunk)) {
                body.write(chunk, 0, read);
                if (body.size() > MAX_BODY_BYTES) {
                    throw new IOException("the body is larger than " + MAX_BODY_BYTES + " bytes");
                }
                if (Thread.currentThread().isInterrupted() || Instant.now().isAfter(deadline)) {
                    throw new SocketTimeoutException("the body was still coming at the deadline");
                }
            }
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    private static String describe(Throwable cause, long timeout) {
        if (cause instanceof SocketTimeoutException) {
            return "no answer within " + timeout + " ms";
        }
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static Optional<Instant> parseDate(String header) {
        try {
            return Optional.of(ZonedDateTime.parse(header, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** max-age from a Cache-Control header, in seconds, if it has one. */
    public static Optional<Long> maxAge(String cacheControl) {
        for (String directive : cacheControl.split(",")) {
            String d = directive.trim().toLowerCase();
            if (d.startsWith("max-age=")) {
                try {
                    return Optional.of(Long.parseLong(d.substring(8).replace("\"", "")));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
