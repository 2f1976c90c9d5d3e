package authresponder.watchkeys;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.IdpUrls;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An identity provider watch-keys looks at, as configured: a caller names it, never sends a URL.
 *
 * @param name   how reports, notices and the stored state name it
 * @param issuer the issuer URL; discovery is at {@code issuer/.well-known/openid-configuration}
 */
record Provider(String name, URI issuer) {
    static final String SETTING = "WATCH_KEYS_PROVIDERS";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    URI discovery() {
        String base = issuer.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/.well-known/openid-configuration");
    }

    /**
     * Reads {@code WATCH_KEYS_PROVIDERS}: comma-separated {@code name=issuer-url} pairs, or bare issuer URLs
     * (named by the URL itself). HTTPS only, except on the loopback interface (the local drill and tests).
     */
    static Map<String, Provider> parse(Env env) {
        Map<String, Provider> providers = new LinkedHashMap<>();
        for (String item : env.list(SETTING, List.of())) {
            int equals = item.indexOf('=');
            boolean named = equals > 0 && !item.substring(0, equals).contains(":");
            String name = named ? item.substring(0, equals).strip() : item;
            String url = named ? item.substring(equals + 1).strip() : item;
            if (named && !NAME.matcher(name).matches()) {
                throw new ConfigException(SETTING + ": the name '" + name + "' must be lower-case letters, digits and '-'");
            }
            Provider provider = new Provider(name, IdpUrls.configured(SETTING, url));
            if (providers.put(name, provider) != null) {
                throw new ConfigException(SETTING + " names provider '" + name + "' twice");
            }
        }
        if (providers.isEmpty()) {
            throw new ConfigException(SETTING + " is not set: name=issuer-url pairs, or issuer URLs, separated by commas");
        }
        return Map.copyOf(providers);
    }
}
