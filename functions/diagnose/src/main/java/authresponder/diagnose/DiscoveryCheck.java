package authresponder.diagnose;

import authresponder.core.Budget;
import authresponder.core.Http;
import authresponder.core.Json;
import authresponder.core.IdpUrls;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Check 1: the issuer's discovery document answers 200, names the same issuer, and has a jwks_uri that the
 * {@link IdpUrls} rules allow. A discovery naming another issuer, or a jwks_uri they refuse, is not followed:
 * the JWKS check is told why and fetches nothing, and the evidence's {@value JwksCheck#UNTRUSTED} line makes it
 * a security finding.
 */
final class DiscoveryCheck implements CheckRunner.Check<DiscoveryCheck.Discovery> {
    static final String NAME = "discovery";

    /**
     * @param skew    the IdP's Date against our clock, when it sent one
     * @param refused why the jwks_uri must not be followed, or null when it may
     */
    record Discovery(URI jwksUri, Optional<Duration> skew, String refused) {}

    private final Http http;
    private final URI issuer;
    private final IdpUrls urls;

    DiscoveryCheck(Http http, URI issuer, IdpUrls urls) {
        this.http = http;
        this.issuer = issuer;
        this.urls = urls;
    }

    static URI discoveryUri(URI issuer) {
        String base = issuer.toString().endsWith("/") ? issuer.toString() : issuer + "/";
        return URI.create(base + ".well-known/openid-configuration");
    }

    @Override
    public Finding<Discovery> run(Budget budget) throws Exception {
        URI uri = discoveryUri(issuer);
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("url", uri.toString());
        Http.Response response;
        try {
            response = http.get(uri, Http.Origin.CONFIGURED, budget);
        } catch (Http.NoAnswer e) {
            return Finding.fail("the IdP did not answer: " + e.getMessage(), evidence);
        } catch (Http.Refused e) {
            return Finding.fail("refused before any connection: " + e.getMessage(), evidence);
        }
        evidence.put("status", response.status());
        evidence.put("latencyMs", response.latency().toMillis());
        if (response.status() != 200) {
            return Finding.fail("discovery answered HTTP " + response.status(), evidence);
        }
        JsonObject document;
        try {
            // strict (RFC 8259, duplicate names refused): two jwks_uri members must not be read as the last one
            JsonElement parsed = Json.parse(response.body());
            document = parsed.getAsJsonObject();
        } catch (RuntimeException e) {
            return Finding.fail("discovery answered 200 with a body that is not a strict JSON object: " + e.getMessage(), evidence);
        }
        String published = text(document, "issuer");
        String jwks = text(document, "jwks_uri");
        evidence.put("issuer", published);
        evidence.put("jwksUri", jwks);
        if (jwks == null) {
            return Finding.fail("discovery has no jwks_uri", evidence);
        }
        String refused = !sameIssuer(published, issuer) ? "discovery names issuer " + published + ", not the configured " + issuer
                : urls.jwksRefusal(issuer, jwks).orElse(null);
        if (refused != null) {
            evidence.put(JwksCheck.UNTRUSTED, List.of(refused));
            return Finding.warn(refused + ": its keys were not fetched", evidence, new Discovery(null, response.skew(), refused));
        }
        Discovery discovery = new Discovery(URI.create(jwks), response.skew(), null);
        return Finding.ok("discovery answered in " + response.latency().toMillis() + " ms with the configured issuer", evidence, discovery);
    }

    static boolean sameIssuer(String published, URI configured) {
        return published != null && strip(published).equals(strip(configured.toString()));
    }

    private static String strip(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    static String text(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }
}
