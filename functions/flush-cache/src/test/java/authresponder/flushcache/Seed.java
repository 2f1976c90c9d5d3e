package authresponder.flushcache;

import authresponder.cache.Cache;
import authresponder.cache.CacheConnector;
import authresponder.core.Budget;
import authresponder.core.Env;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;

/** Writes and counts keys on a real cache (standalone or cluster), through the same connection code the function uses. */
final class Seed implements AutoCloseable {
    private final Cache cache;

    Seed(String url) {
        cache = new CacheConnector(new Env(Map.of("CACHE_URL", url))).open(Budget.of(Duration.ofMinutes(2)));
    }

    /** prefix + 0..count-1, each on the primary that owns it. */
    Seed keys(String prefix, int count) {
        Map<Cache.Node, List<String>> byNode = new HashMap<>();
        for (int i = 0; i < count; i++) {
            String key = prefix + i;
            byNode.computeIfAbsent(cache.nodeFor(key), n -> new ArrayList<>()).add(key);
        }
        byNode.forEach((node, keys) -> {
            Pipeline pipeline = node.jedis().pipelined();
            for (String key : keys) {
                pipeline.set(key, "v");
            }
            pipeline.sync();
        });
        return this;
    }

    long count(String pattern) {
        long total = 0;
        for (Cache.Node node : cache.primaries()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var page = node.jedis().scan(cursor, new ScanParams().match(pattern).count(1000));
                total += page.getResult().size();
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return total;
    }

    long size() {
        return cache.primaries().stream().mapToLong(node -> node.jedis().dbSize()).sum();
    }

    @Override
    public void close() {
        cache.close();
    }
}
