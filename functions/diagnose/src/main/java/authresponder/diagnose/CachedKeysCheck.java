package authresponder.diagnose;

import authresponder.cache.Cache;
import authresponder.cache.CacheConnector;
import authresponder.cache.CacheException;
import authresponder.core.Budget;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Check 3: the JWKS the authoriser's cache holds against the live one: live signing keys the cache
 * lacks, cached keys the IdP no longer publishes, and keys whose material changed under the same kid
 * (compared by RFC 7638 thumbprint). The cache is read while the JWKS check fetches the live set.
 */
final class CachedKeysCheck implements CheckRunner.Check<Facts.KeyDrift> {
    static final String NAME = "cached-keys";

    /** How the authoriser stores the JWKS under its key. */
    enum Format {
        /** A string holding the JWKS document, {"keys":[...]}. */
        JSON,
        /** A hash: field = kid, value = that key's JWK. */
        HASH
    }

    private final CacheConnector connector;
    private final String key;
    private final Format format;
    private final CheckRunner.Running<JwksCheck.LiveKeys> jwks;

    CachedKeysCheck(CacheConnector connector, String key, Format format, CheckRunner.Running<JwksCheck.LiveKeys> jwks) {
        this.connector = connector;
        this.key = key;
        this.format = format;
        this.jwks = jwks;
    }

    @Override
    public Finding<Facts.KeyDrift> run(Budget budget) throws Exception {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("key", key);
        evidence.put("format", format.name().toLowerCase());
        List<JWK> cached;
        try (Cache cache = connector.open(budget)) {
            cached = read(cache);
        } catch (CacheException | JedisException e) {
            return Finding.fail("could not read the cached JWKS: " + e.getMessage(), evidence);
        } catch (ParseException e) {
            return Finding.fail("the cached JWKS at " + key + " does not parse as " + format.name().toLowerCase() + ": " + e.getMessage(), evidence);
        }
        if (cached == null) {
            Facts.KeyDrift empty = new Facts.KeyDrift(false, List.of(), List.of(), List.of());
            return Finding.ok("the cache holds no JWKS at " + key + ": the authoriser fetches the live keys on demand", evidence, empty);
        }
        evidence.put("cachedKids", cached.stream().map(JWK::getKeyID).toList());
        List<JWK> live = jwks.await(budget).signing();
        evidence.put("liveKids", live.stream().map(JWK::getKeyID).toList());

        Map<String, String> cachedPrints = thumbprints(cached);
        Map<String, String> livePrints = thumbprints(live);
        List<String> missing = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        livePrints.forEach((kid, print) -> {
            if (!cachedPrints.containsKey(kid)) {
                missing.add(kid);
            } else if (!cachedPrints.get(kid).equals(print)) {
                changed.add(kid);
            }
        });
        List<String> retired = cachedPrints.keySet().stream().filter(kid -> !livePrints.containsKey(kid)).toList();
        Facts.KeyDrift drift = new Facts.KeyDrift(true, missing, retired, changed);
        evidence.put("missingFromCache", missing);
        evidence.put("retiredInCache", retired);
        evidence.put("changedMaterial", changed);
        if (drift.stale()) {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add("live kid " + String.join(", ", missing) + " not cached");
            }
            if (!changed.isEmpty()) {
                parts.add("kid " + String.join(", ", changed) + " changed material");
            }
            if (!retired.isEmpty()) {
                parts.add("retired kid " + String.join(", ", retired) + " still cached");
            }
            return Finding.warn("the cached JWKS is stale: " + String.join("; ", parts), evidence, drift);
        }
        if (!retired.isEmpty()) {
            return Finding.warn("the cache holds every live key, and retired kid " + String.join(", ", retired) + " too", evidence, drift);
        }
        return Finding.ok("the cache holds the same " + live.size() + " signing key(s) as the IdP", evidence, drift);
    }

    /** The cached keys, or null when the key does not exist. */
    private List<JWK> read(Cache cache) throws ParseException {
        if (format == Format.JSON) {
            String document = cache.onKey(key, jedis -> jedis.get(key));
            return document == null ? null : JWKSet.parse(document).getKeys();
        }
        Map<String, String> fields = cache.onKey(key, jedis -> jedis.hgetAll(key));
        if (fields.isEmpty()) {
            return null;
        }
        List<JWK> keys = new ArrayList<>();
        for (String value : fields.values()) {
            keys.add(JWK.parse(value));
        }
        return keys;
    }

    /** kid → RFC 7638 thumbprint of the public key: equal thumbprints, same key material (a symmetric key has none). */
    private static Map<String, String> thumbprints(List<JWK> keys) throws JOSEException {
        Map<String, String> prints = new LinkedHashMap<>();
        for (JWK key : keys) {
            if (key.getKeyID() != null && key.toPublicJWK() != null) {
                prints.put(key.getKeyID(), key.toPublicJWK().computeThumbprint().toString());
            }
        }
        return prints;
    }
}
