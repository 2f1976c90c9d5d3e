package authresponder.core;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The rules an identity provider's URLs are held to, by diagnose and watch-keys alike. An issuer is HTTPS
 * (plain http only on the loopback interface, for local runs). The jwks_uri a discovery document names is held
 * to the same rule and must be on the issuer's host or on a host the operator allows in {@value #SETTING}
 * (e.g. Google's keys are on www.googleapis.com, its issuer is accounts.google.com); where it may connect at all
 * (never a private, link-local or metadata address) is {@link Http}'s rule, checked before any connection.
 *
 * @param allowedHosts {@value #SETTING}: hosts besides the issuer's where its JWKS may be, lower case
 */
public record IdpUrls(Set<String> allowedHosts) {
    public static final String SETTING = "IDP_JWKS_HOSTS";
    /** A DNS name: labels of letters, digits and '-', no scheme, port, path or wildcard. */
    private static final Pattern HOST = Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public IdpUrls {
        allowedHosts = Set.copyOf(allowedHosts);
    }

    /** Reads {@value #SETTING} (comma-separated host names), checked at start-up. */
    public static IdpUrls from(Env env) {
        Set<String> hosts = new TreeSet<>();
        for (String item : env.list(SETTING, List.of())) {
            String host = item.toLowerCase(Locale.ROOT);
            if (!HOST.matcher(host).matches()) {
                throw new ConfigException(SETTING + ": '" + item + "' is not a host name (no scheme, port, path or wildcard), e.g. www.googleapis.com");
            }
            hosts.add(host);
        }
        return new IdpUrls(hosts);
    }

    /**
     * An issuer (or another configured IdP URL) as a setting gives it.
     *
     * @throws ConfigException naming the setting when it is not an https URL (http only on the loopback interface)
     */
    public static URI configured(String setting, String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting + ": '" + url + "' is not a URL");
        }
        if (uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new ConfigException(setting + ": '" + url + "' is not an issuer URL (scheme, host, optional path)");
        }
        if (!https(uri)) {
            throw new ConfigException(setting + ": '" + url + "' must use https (plain http only on the loopback interface)");
        }
        return uri;
    }

    /** Why the jwks_uri a discovery document names may not be fetched, or empty when it may. */
    public Optional<String> jwksRefusal(URI issuer, String jwksUri) {
        URI uri;
        try {
            uri = URI.create(jwksUri);
        } catch (IllegalArgumentException e) {
            return Optional.of("discovery's jwks_uri is not a URL");
        }
        if (uri.getHost() == null || !https(uri)) {
            return Optional.of("discovery's jwks_uri " + uri + " is not https (plain http only on the loopback interface)");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (!host.equals(issuer.getHost().toLowerCase(Locale.ROOT)) && !allowedHosts.contains(host)) {
            return Optional.of("discovery's jwks_uri " + uri + " is on " + host + ", neither the issuer's host (" + issuer.getHost()
                    + ") nor one " + SETTING + " allows");
        }
        return Optional.empty();
    }

    private static boolean https(URI uri) {
        return "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()) && loopback(uri.getHost());
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
