package authresponder.runner.drill;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * A small API authoriser, as the incidents need it: it validates each request's token against the JWKS it
 * caches in memory and in Redis (read-through from the identity provider, kept for a day, never refetched
 * on an unknown kid: the very habit that turns a key rotation into an outage), checks the user's session in
 * Redis, and logs every refusal to its CloudWatch Logs group as the real one would. Its configuration (the
 * audience it accepts) is the authoriser Lambda function's environment in moto; a change to that
 * environment is a fresh execution environment: the in-memory key cache starts empty, which is what
 * restart-authoriser relies on.
 */
final class SimulatedAuthoriser {
    static final Duration JWKS_TTL = Duration.ofDays(1);
    static final String AUDIENCE_VARIABLE = "AUTH_AUDIENCE";
    private static final int LOG_LINES_PER_BATCH = 200;

    /** Why a request was answered as it was. */
    enum Answer {
        ALLOWED, INVALID_SIGNATURE, TOKEN_EXPIRED, WRONG_AUDIENCE, NO_SESSION, KEYS_UNAVAILABLE;

        boolean unauthorised() {
            return this != ALLOWED;
        }
    }

    /** One request: a user's bearer token and session cookie. */
    record Request(String token, String session) {}

    /** How a batch of requests was answered. */
    record Tally(int requests, Map<Answer, Integer> answers) {
        int refused() {
            return answers.entrySet().stream().filter(e -> e.getKey().unauthorised()).mapToInt(Map.Entry::getValue).sum();
        }

        double refusedPercent() {
            return requests == 0 ? 0 : 100.0 * refused() / requests;
        }

        String describe() {
            StringBuilder text = new StringBuilder(String.format(java.util.Locale.ROOT, "%.1f%% of %d requests refused", refusedPercent(), requests));
            answers.forEach((answer, count) -> {
                if (answer.unauthorised() && count > 0) {
                    text.append(", ").append(count).append(' ').append(answer.name().toLowerCase(java.util.Locale.ROOT));
                }
            });
            return text.toString();
        }
    }

    private final UnifiedJedis redis;
    private final String cacheKey;
    private final URI jwksUri;
    private final LambdaClient lambda;
    private final String function;
    private final CloudWatchLogsClient logs;
    private final String logGroup;
    private final String logStream;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private JWKSet memory;
    private Map<String, String> environment;
    private int environments;

    SimulatedAuthoriser(UnifiedJedis redis, String cacheKey, URI jwksUri, LambdaClient lambda, String function,
                        CloudWatchLogsClient logs, String logGroup, String logStream) {
        this.redis = redis;
        this.cacheKey = cacheKey;
        this.jwksUri = jwksUri;
        this.lambda = lambda;
        this.function = function;
        this.logs = logs;
        this.logGroup = logGroup;
        this.logStream = logStream;
    }

    /** How many execution environments have served so far: 1 at first, one more per restart. */
    int environments() {
        return environments;
    }

    /** Serves a batch of requests at once, as one warm execution environment, and logs the refusals. */
    Tally serve(List<Request> requests) {
        useCurrentEnvironment();
        Map<Answer, Integer> answers = new EnumMap<>(Answer.class);
        List<InputLogEvent> lines = new ArrayList<>();
        for (Request request : requests) {
            Answer answer = authorise(request, lines);
            answers.merge(answer, 1, Integer::sum);
        }
        if (!lines.isEmpty()) {
            logs.putLogEvents(r -> r.logGroupName(logGroup).logStreamName(logStream).logEvents(lines.subList(0, Math.min(lines.size(), LOG_LINES_PER_BATCH))));
        }
        return new Tally(requests.size(), answers);
    }

    /** A changed function configuration means Lambda replaced the execution environments: memory starts empty. */
    private void useCurrentEnvironment() {
        Map<String, String> current = lambda.getFunctionConfiguration(r -> r.functionName(function)).environment().variables();
        if (!current.equals(environment)) {
            environment = Map.copyOf(current);
            memory = null;
            environments++;
        }
    }

    private Answer authorise(Request request, List<InputLogEvent> lines) {
        if (!redis.exists("session:" + request.session())) {
            return refuse(Answer.NO_SESSION, "session_missing: no session " + request.session().substring(0, 8) + "…, redirect to login", lines);
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(request.token());
        } catch (ParseException e) {
            return refuse(Answer.INVALID_SIGNATURE, "invalid_token: not a JWT", lines);
        }
        JWKSet keys;
        try {
            keys = keys();
        } catch (IOException e) {
            return refuse(Answer.KEYS_UNAVAILABLE, "jwks_unavailable: " + e.getMessage(), lines);
        }
        String kid = jwt.getHeader().getKeyID();
        JWK key = keys.getKeyByKeyId(kid);
        if (key == null) {
            return refuse(Answer.INVALID_SIGNATURE, "invalid_signature: kid mismatch, no cached key " + kid, lines);
        }
        try {
            if (!jwt.verify(verifier(key))) {
                return refuse(Answer.INVALID_SIGNATURE, "invalid_signature: signature does not verify with " + kid, lines);
            }
            var claims = jwt.getJWTClaimsSet();
            String audience = environment.getOrDefault(AUDIENCE_VARIABLE, "auth-api");
            if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
                return refuse(Answer.WRONG_AUDIENCE, "invalid_audience: token is not for " + audience, lines);
            }
            Date now = new Date();
            if (claims.getExpirationTime() == null || !claims.getExpirationTime().after(now)
                    || (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().after(now))) {
                return refuse(Answer.TOKEN_EXPIRED, "token_expired: exp " + claims.getExpirationTime().toInstant() + " is past", lines);
            }
        } catch (JOSEException | ParseException e) {
            return refuse(Answer.INVALID_SIGNATURE, "invalid_signature: " + e.getMessage(), lines);
        }
        return Answer.ALLOWED;
    }

    /** Memory, else the shared cache, else the identity provider (then cached for a day). */
    private JWKSet keys() throws IOException {
        if (memory != null) {
            return memory;
        }
        String cached = redis.get(cacheKey);
        try {
            if (cached == null) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(jwksUri).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("the identity provider answered " + response.statusCode());
                }
                cached = response.body();
                redis.setex(cacheKey, JWKS_TTL.toSeconds(), cached);
            }
            memory = JWKSet.parse(cached);
            return memory;
        } catch (ParseException e) {
            throw new IOException("the JWKS does not parse: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static JWSVerifier verifier(JWK key) throws JOSEException {
        return key instanceof ECKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAKey) key);
    }

    private static Answer refuse(Answer answer, String message, List<InputLogEvent> lines) {
        lines.add(InputLogEvent.builder().timestamp(Instant.now().toEpochMilli())
                .message("{\"level\":\"WARN\",\"status\":401,\"error\":\"" + message.replace("\"", "'") + "\"}").build());
        return answer;
    }
}
