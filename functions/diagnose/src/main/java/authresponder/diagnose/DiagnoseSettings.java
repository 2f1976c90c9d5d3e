package authresponder.diagnose;

import authresponder.cache.CacheSettings;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.IdpUrls;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * diagnose's settings, read and checked once at start-up. Only the issuer is required: a check whose
 * target is not configured reports itself as skipped and says which variable would enable it.
 *
 * @param issuer          IDP_ISSUER: the issuer URL; discovery is read from ISSUER/.well-known/openid-configuration
 *                        (https; plain http only on the loopback interface)
 * @param jwksUrl         IDP_JWKS_URL: the JWKS URL, when it should not be taken from discovery (the same rule)
 * @param urls            IDP_JWKS_HOSTS: where else than on the issuer's host discovery may place the JWKS
 * @param audience        IDP_AUDIENCE: the audience a sample token must carry, if any
 * @param checkBudget     CHECK_BUDGET: the most time each check may take (all run at once)
 * @param logWindow       LOG_WINDOW: the window of a direct command, and of an alarm without a start date
 * @param cache           whether CACHE_URL or CACHE_REPLICATION_GROUP_ID is set (the cache module reads the rest)
 * @param cachedJwksKey   CACHED_JWKS_KEY: where the authoriser caches the JWKS (default jwks:ISSUER)
 * @param cachedJwksFormat CACHED_JWKS_FORMAT: json (a string holding the JWKS) or hash (kid → JWK)
 * @param tokenKeyPattern TOKEN_KEY_PATTERN: the token keys to sample (a SCAN MATCH pattern)
 * @param logGroup        AUTHORISER_LOG_GROUP: the authoriser's CloudWatch Logs log group
 * @param authoriserFunction AUTHORISER_FUNCTION: the authoriser Lambda function whose last change is read
 */
record DiagnoseSettings(
        URI issuer,
        Optional<URI> jwksUrl,
        IdpUrls urls,
        Optional<String> audience,
        Duration checkBudget,
        Duration logWindow,
        boolean cache,
        String cachedJwksKey,
        CachedKeysCheck.Format cachedJwksFormat,
        String tokenKeyPattern,
        Optional<String> logGroup,
        Optional<String> authoriserFunction) {

    static final Duration DEFAULT_CHECK_BUDGET = Duration.ofSeconds(3);
    static final Duration DEFAULT_LOG_WINDOW = Duration.ofMinutes(15);

    static DiagnoseSettings from(Env env) {
        URI issuer = IdpUrls.configured("IDP_ISSUER", env.required("IDP_ISSUER"));
        Duration budget = env.duration("CHECK_BUDGET", DEFAULT_CHECK_BUDGET);
        if (budget.compareTo(Duration.ofMillis(100)) < 0 || budget.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new ConfigException("CHECK_BUDGET must be between 100ms and 1m, got " + budget);
        }
        Duration window = env.duration("LOG_WINDOW", DEFAULT_LOG_WINDOW);
        if (window.compareTo(Duration.ofMinutes(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new ConfigException("LOG_WINDOW must be between 1m and 1d, got " + window);
        }
        String format = env.string("CACHED_JWKS_FORMAT", "json");
        CachedKeysCheck.Format jwksFormat = switch (format.toLowerCase(Locale.ROOT)) {
            case "json" -> CachedKeysCheck.Format.JSON;
            case "hash" -> CachedKeysCheck.Format.HASH;
            default -> throw new ConfigException("CACHED_JWKS_FORMAT must be json or hash, got '" + format + "'");
        };
        boolean cache = env.optional(CacheSettings.URL).isPresent() || env.optional(CacheSettings.REPLICATION_GROUP_ID).isPresent();
        return new DiagnoseSettings(issuer, env.optional("IDP_JWKS_URL").map(url -> IdpUrls.configured("IDP_JWKS_URL", url)), IdpUrls.from(env),
                env.optional("IDP_AUDIENCE"), budget, window, cache,
                env.string("CACHED_JWKS_KEY", "jwks:" + issuer), jwksFormat, env.string("TOKEN_KEY_PATTERN", "token:*"),
                env.optional("AUTHORISER_LOG_GROUP"), env.optional("AUTHORISER_FUNCTION"));
    }
}
