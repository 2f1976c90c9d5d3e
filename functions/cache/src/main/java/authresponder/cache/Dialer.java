package authresponder.cache;

import authresponder.core.Budget;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisException;

/** Opens one authenticated connection to one endpoint, TLS with host name verification when the endpoint asks for it. */
record Dialer(Credentials credentials, SSLSocketFactory tlsSocketFactory) {
    static final Duration CONNECT_CAP = Duration.ofSeconds(2);

    /** A user and password, or an AUTH token alone (null username). Never printed. */
    record Credentials(String username, String password) {
        static final Credentials NONE = new Credentials(null, null);

        @Override
        public String toString() {
            return "Credentials[" + (username == null ? "default user" : username) + (password == null ? ", none]" : ", ***]");
        }
    }

    Jedis dial(CacheEndpoint endpoint, Budget budget) {
        int connectMillis = (int) budget.timeout(CONNECT_CAP).toMillis();
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(connectMillis)
                .socketTimeoutMillis((int) budget.timeout(Cache.READ_CAP).toMillis())
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .user(credentials.username())
                .password(credentials.password());
        if (endpoint.tls()) {
            SSLParameters parameters = new SSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            config.ssl(true).sslParameters(parameters);
            if (tlsSocketFactory != null) {
                config.sslSocketFactory(tlsSocketFactory);
            }
        }
        try {
            return new Jedis(new HostAndPort(endpoint.host(), endpoint.port()), config.build());
        } catch (JedisAccessControlException e) {
            throw new CacheException("the cache at " + endpoint + " refused the credentials: " + e.getMessage(), e);
        } catch (JedisException e) {
            throw new CacheException("could not connect to the cache at " + endpoint + (endpoint.tls() ? " (TLS)" : "") + ": " + rootMessage(e), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
