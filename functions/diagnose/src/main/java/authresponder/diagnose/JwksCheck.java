package authresponder.diagnose;

import authresponder.core.Budget;
import authresponder.core.Http;
import authresponder.core.PublishedKeys;
import com.nimbusds.jose.jwk.JWK;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Check 2: the JWKS endpoint's status, latency, key ids and types, and how long it lets caches keep it. Which
 * keys sign is {@link PublishedKeys}'s call; secret material in the set is put in the evidence as
 * {@value #UNTRUSTED} (kid, type and member names only), and the verdict rules page security for it.
 */
final class JwksCheck implements CheckRunner.Check<JwksCheck.LiveKeys> {
    static final String NAME = "jwks";
    /** The evidence key of what an IdP check found that must not be trusted: one line each, never key material. */
    static final String UNTRUSTED = "untrusted";

    /** The live signing keys, and the IdP's Date against our clock. */
    record LiveKeys(List<JWK> signing, Optional<Duration> skew) {}

    private final Http http;
    private final Optional<URI> configured;
    private final CheckRunner.Running<DiscoveryCheck.Discovery> discovery;

    JwksCheck(Http http, Optional<URI> configured, CheckRunner.Running<DiscoveryCheck.Discovery> discovery) {
        this.http = http;
        this.configured = configured;
        this.discovery = discovery;
    }

    @Override
    public Finding<LiveKeys> run(Budget budget) throws Exception {
        URI uri = configured.isPresent() ? configured.get() : followed(discovery.await(budget));
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("url", uri.toString());
        Http.Response response;
        try {
            response = http.get(uri, configured.isPresent() ? Http.Origin.CONFIGURED : Http.Origin.PUBLISHED, budget);
        } catch (Http.NoAnswer e) {
            return Finding.fail("the JWKS endpoint did not answer: " + e.getMessage(), evidence);
        } catch (Http.Refused e) {
            evidence.put(UNTRUSTED, List.of("the JWKS at " + uri + " was refused: " + e.getMessage()));
            return Finding.fail("refused before any connection: " + e.getMessage(), evidence);
        }
        evidence.put("status", response.status());
        evidence.put("latencyMs", response.latency().toMillis());
        response.cacheControl().ifPresent(value -> evidence.put("cacheControl", value));
        Optional<Long> maxAge = response.cacheControl().flatMap(Http::maxAge);
        maxAge.ifPresent(value -> evidence.put("maxAgeSeconds", value));
        if (response.status() != 200) {
            return Finding.fail("the JWKS endpoint answered HTTP " + response.status(), evidence);
        }
        PublishedKeys keys;
        try {
            keys = PublishedKeys.parse(response.body());
        } catch (ParseException e) {
            return Finding.fail("the JWKS endpoint answered 200 with a body that is not a JWK set", evidence);
        }
        evidence.put("keys", keys.signing().stream().map(JwksCheck::describe).toList());
        if (!keys.ignored().isEmpty()) {
            evidence.put("notSigning", keys.ignored());
        }
        if (!keys.malformed().isEmpty()) {
            evidence.put("malformed", keys.malformed());
        }
        LiveKeys live = new LiveKeys(keys.signing(), response.skew());
        List<JWK> signing = live.signing();
        if (!keys.exposed().isEmpty()) {
            evidence.put(UNTRUSTED, keys.exposed().stream().map(line -> "the JWKS publishes secret key material: " + line).toList());
            return Finding.warn("the JWKS publishes secret key material (" + String.join("; ", keys.exposed()) + "): not counted as signing keys",
                    evidence, live);
        }
        if (signing.isEmpty()) {
            return Finding.warn("the JWKS publishes no signing key", evidence, live);
        }
        if (signing.stream().anyMatch(key -> key.getKeyID() == null)) {
            return Finding.warn("a signing key has no kid: tokens cannot name it", evidence, live);
        }
        String found = signing.size() + " signing key(s) " + String.join(", ", signing.stream().map(JWK::getKeyID).toList())
                + ", answered in " + response.latency().toMillis() + " ms" + maxAge.map(age -> ", max-age " + age + " s").orElse(", no max-age");
        if (!keys.malformed().isEmpty()) {
            return Finding.warn(found + "; skipped, cannot be read: " + String.join("; ", keys.malformed()), evidence, live);
        }
        return Finding.ok(found, evidence, live);
    }

    /** The jwks_uri discovery names, unless discovery said it must not be followed. */
    private static URI followed(DiscoveryCheck.Discovery discovery) throws CheckRunner.Unavailable {
        if (discovery.refused() != null) {
            throw new CheckRunner.Unavailable("not fetched: " + discovery.refused());
        }
        return discovery.jwksUri();
    }

    private static Map<String, Object> describe(JWK key) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("kid", key.getKeyID());
        line.put("kty", key.getKeyType().getValue());
        line.put("use", key.getKeyUse() == null ? null : key.getKeyUse().identifier());
        line.put("alg", key.getAlgorithm() == null ? null : key.getAlgorithm().getName());
        return line;
    }
}
