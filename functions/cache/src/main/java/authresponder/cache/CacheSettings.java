package authresponder.cache;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the cache is and how to authenticate, read once from the environment.
 *
 * @param url                an explicit endpoint, redis://host:port or rediss://host:port (TLS)
 * @param replicationGroupId an ElastiCache replication group, resolved with DescribeReplicationGroups
 * @param authToken          the AUTH token itself (local use)
 * @param authSecretArn      a Secrets Manager secret holding the AUTH token (AWS use)
 * @param username           the ACL user for ElastiCache RBAC; none means the default user
 * @param tlsCaFile          a PEM file of the CA to trust instead of the JVM's (self-hosted Redis, tests)
 */
public record CacheSettings(
        Optional<URI> url,
        Optional<String> replicationGroupId,
        Optional<String> authToken,
        Optional<String> authSecretArn,
        Optional<String> username,
        Optional<Path> tlsCaFile) {

    public static final String URL = "CACHE_URL";
    public static final String REPLICATION_GROUP_ID = "CACHE_REPLICATION_GROUP_ID";
    public static final String AUTH_TOKEN = "CACHE_AUTH_TOKEN";
    public static final String AUTH_SECRET_ARN = "CACHE_AUTH_SECRET_ARN";
    public static final String USERNAME = "CACHE_USERNAME";
    public static final String TLS_CA_FILE = "CACHE_TLS_CA_FILE";

    public static CacheSettings from(Env env) {
        Optional<URI> url = env.uri(URL);
        Optional<String> group = env.optional(REPLICATION_GROUP_ID);
        if (url.isPresent() == group.isPresent()) {
            throw new ConfigException("set exactly one of " + URL + " and " + REPLICATION_GROUP_ID);
        }
        url.ifPresent(CacheSettings::checkUrl);
        Optional<String> token = env.optional(AUTH_TOKEN);
        Optional<String> secret = env.optional(AUTH_SECRET_ARN);
        if (token.isPresent() && secret.isPresent()) {
            throw new ConfigException("set at most one of " + AUTH_TOKEN + " and " + AUTH_SECRET_ARN);
        }
        Optional<Path> ca = env.optional(TLS_CA_FILE).map(Path::of);
        ca.ifPresent(path -> {
            if (!Files.isReadable(path)) {
                throw new ConfigException(TLS_CA_FILE + " is not a readable file: " + path);
            }
        });
        return new CacheSettings(url, group, token, secret, env.optional(USERNAME), ca);
    }

    private static void checkUrl(URI url) {
        if (!"redis".equals(url.getScheme()) && !"rediss".equals(url.getScheme())) {
            throw new ConfigException(URL + " must start with redis:// or rediss:// (TLS), got " + url.getScheme() + "://");
        }
        if (url.getUserInfo() != null) {
            throw new ConfigException(URL + " must not carry credentials: use " + AUTH_TOKEN + " or " + AUTH_SECRET_ARN);
        }
        String path = url.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/") && !path.equals("/0")) {
            throw new ConfigException(URL + " must name database 0 or none (cluster mode has only database 0), got " + path);
        }
    }

    /** Where the cache is, as a person reads it: the URL or the replication group. */
    public String describe() {
        return url.map(URI::toString).orElseGet(() -> "replication group " + replicationGroupId.orElseThrow());
    }
}
