package authresponder.watchkeys;

import authresponder.core.Budget;
import authresponder.core.Http;
import authresponder.core.Json;
import authresponder.core.IdpUrls;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import authresponder.core.PublishedKeys;
import com.nimbusds.jose.JOSEException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;

/**
 * Fetches a provider's discovery document and then its JWKS, within the budget it is given. Anything short of
 * a well-formed, non-empty set of signing keys is a {@link Failed} fetch: an error, no answer, a malformed
 * document, a discovery that names another issuer or a jwks_uri the {@link IdpUrls} rules refuse (never fetched),
 * or a JWKS with no signing key. A failed fetch says nothing
 * about the keys, so it is never compared with the keys seen before.
 */
final class KeyFetcher {
    sealed interface Fetched permits Keys, Failed {}

    /**
     * The provider's signing keys now, and where they came from.
     *
     * @param skipped one line per published key left out that the team should know of: secret material
     *                (a security finding) or a key that cannot be read; never the material itself
     */
    record Keys(URI jwksUri, SigningKeys keys, List<String> skipped) implements Fetched {}

    /** No usable key set: what went wrong, for the report and the notice. */
    record Failed(String problem) implements Fetched {}

    private final Http http = new Http();
    private final IdpUrls urls;

    KeyFetcher(IdpUrls urls) {
        this.urls = urls;
    }

    Fetched fetch(Provider provider, Budget budget) throws InterruptedException {
        try {
            JsonObject discovery = object(get(provider.discovery(), Http.Origin.CONFIGURED, "discovery", budget), "discovery");
            String issuer = text(discovery, "issuer");
            if (!provider.issuer().toString().equals(issuer)) {
                return new Failed("discovery names issuer '" + issuer + "', not the configured " + provider.issuer());
            }
            String jwksUri = text(discovery, "jwks_uri");
            if (jwksUri == null) {
                return new Failed("discovery has no jwks_uri");
            }
            Optional<String> refused = urls.jwksRefusal(provider.issuer(), jwksUri);
            if (refused.isPresent()) {
                return new Failed(refused.get() + ": not fetched");
            }
            URI uri = URI.create(jwksUri);
            PublishedKeys published = PublishedKeys.parse(get(uri, Http.Origin.PUBLISHED, "the JWKS", budget));
            List<String> skipped = new ArrayList<>();
            published.exposed().forEach(line -> skipped.add("security finding, not counted: " + line));
            published.malformed().forEach(line -> skipped.add("skipped: " + line));
            SigningKeys keys = SigningKeys.of(published);
            if (keys.isEmpty()) {
                return new Failed("the JWKS at " + uri + " publishes no signing key" + (skipped.isEmpty() ? "" : " (" + String.join("; ", skipped) + ")"));
            }
            return new Keys(uri, keys, skipped);
        } catch (Unusable e) {
            return new Failed(e.getMessage());
        } catch (ParseException e) {
            return new Failed("the JWKS is not a valid JWK set: " + e.getMessage());
        } catch (JOSEException | IllegalArgumentException e) {
            return new Failed("the JWKS holds a key that cannot be read: " + e.getMessage());
        }
    }

    private String get(URI uri, Http.Origin origin, String what, Budget budget) throws Unusable, InterruptedException {
        Http.Response response;
        try {
            response = http.get(uri, origin, budget);
        } catch (Http.NoAnswer e) {
            throw new Unusable(what + " did not answer: " + e.getMessage());
        } catch (Http.Refused e) {
            throw new Unusable(what + " was refused before any connection: " + e.getMessage());
        }
        if (response.status() != 200) {
            throw new Unusable(what + " answered HTTP " + response.status());
        }
        return response.body();
    }

    private static JsonObject object(String body, String what) throws Unusable {
        try {
            // strict (RFC 8259, duplicate names refused): a key set must read the same to us as to the authoriser
            JsonElement element = Json.parse(body);
            if (element.isJsonObject()) {
                return element.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            throw new Unusable(what + " is not strict JSON: " + e.getMessage());
        }
        throw new Unusable(what + " is not a JSON object");
    }

    private static String text(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }

    /** The answer cannot be used as a key set; the message says why. */
    private static final class Unusable extends IOException {
        Unusable(String message) {
            super(message, null);
        }
    }
}
