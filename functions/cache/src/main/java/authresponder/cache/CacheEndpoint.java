package authresponder.cache;

/** One address to connect to: an explicit URL, an ElastiCache primary or configuration endpoint, or a cluster node. */
public record CacheEndpoint(String host, int port, boolean tls) {
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
