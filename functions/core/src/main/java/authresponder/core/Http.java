package authresponder.core;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * GETs to an identity provider with the JDK's client (diagnose's checks, watch-keys): every request ends by
 * the budget's deadline, body included, and a body larger than any discovery document or JWKS is refused.
 */
public final class Http {
    /** A discovery document or a JWKS is a few KiB. */
    static final long MAX_BODY_BYTES = 512 * 1024;

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

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

    public Response get(URI uri, Budget budget) throws NoAnswer, InterruptedException {
        Duration timeout = budget.timeout(budget.remaining());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET().build();
        Instant sent = Instant.now();
        CompletableFuture<HttpResponse<String>> pending = client.sendAsync(request,
                HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofString(), MAX_BODY_BYTES));
        HttpResponse<String> response;
        try {
            // the request timeout covers the headers only: this bounds the body too
            response = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new NoAnswer("no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw new NoAnswer(describe(e.getCause(), timeout));
        }
        Instant received = Instant.now();
        Instant midpoint = sent.plus(Duration.between(sent, received).dividedBy(2));
        Optional<Duration> skew = response.headers().firstValue("Date").flatMap(Http::parseDate)
                .map(date -> Duration.between(midpoint, date));
        return new Response(response.statusCode(), response.body(), response.headers().firstValue("Cache-Control"), skew,
                Duration.between(sent, received));
    }

    private static String describe(Throwable cause, Duration timeout) {
        if (cause instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
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
