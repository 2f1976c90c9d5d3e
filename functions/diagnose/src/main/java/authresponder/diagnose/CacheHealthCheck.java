package authresponder.diagnose;

import authresponder.cache.Cache;
import authresponder.cache.CacheConnector;
import authresponder.cache.CacheException;
import authresponder.core.Budget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Check 6: PING latency and the INFO figures of every primary: memory against maxmemory, hits and
 * misses, clients, and the evictions and rejected connections counted across a short interval (a rate,
 * as the runbook's threshold is per minute, not a total since the server started). For a cluster, its
 * state too: {@code cluster_state}, how many of the 16384 slots have a reachable primary, and the primaries
 * out of reach; never OK while one is down.
 */
final class CacheHealthCheck implements CheckRunner.Check<Facts.CacheHealth> {
    static final String NAME = "cache-health";
    /** How long evictions are counted for; at most a third of the check's budget. */
    static final Duration SAMPLE = Duration.ofSeconds(1);

    private final CacheConnector connector;
    private final DiagnosePolicy policy;

    CacheHealthCheck(CacheConnector connector, DiagnosePolicy policy) {
        this.connector = connector;
        this.policy = policy;
    }

    /** The INFO fields this check reads, as numbers. */
    private record Info(long usedMemory, long maxMemory, long evicted, long hits, long misses, long clients, long rejected) {
        static Info of(String text) {
            Map<String, String> fields = new LinkedHashMap<>();
            text.lines().filter(line -> line.contains(":") && !line.startsWith("#")).forEach(line -> {
                int colon = line.indexOf(':');
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            });
            return new Info(number(fields, "used_memory"), number(fields, "maxmemory"), number(fields, "evicted_keys"),
                    number(fields, "keyspace_hits"), number(fields, "keyspace_misses"), number(fields, "connected_clients"),
                    number(fields, "rejected_connections"));
        }

        private static long number(Map<String, String> fields, String name) {
            try {
                return Long.parseLong(fields.getOrDefault(name, "0"));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    @Override
    public Finding<Facts.CacheHealth> run(Budget budget) throws Exception {
        Map<String, Object> evidence = new LinkedHashMap<>();
        List<Info> before = new ArrayList<>();
        List<Info> after = new ArrayList<>();
        Duration ping = Duration.ZERO;
        Instant start;
        Instant end;
        List<String> unreachable = new ArrayList<>();
        try (Cache cache = connector.open(budget)) {
            if (cache.clusterMode()) {
                unreachable = cluster(cache, evidence);
            }
            for (Cache.Node node : cache.primaries()) {
                Instant sent = Instant.now();
                node.jedis().ping();
                Duration took = Duration.between(sent, Instant.now());
                ping = took.compareTo(ping) > 0 ? took : ping;
            }
            start = Instant.now();
            for (Cache.Node node : cache.primaries()) {
                before.add(Info.of(info(node.jedis())));
            }
            Duration pause = budget.remaining().dividedBy(3);
            Thread.sleep((pause.compareTo(SAMPLE) < 0 ? pause : SAMPLE).toMillis());
            end = Instant.now();
            for (Cache.Node node : cache.primaries()) {
                after.add(Info.of(info(node.jedis())));
            }
            evidence.put("primaries", cache.primaries().size());
        } catch (CacheException | JedisException e) {
            return Finding.fail("the cache did not answer: " + e.getMessage(), evidence);
        }
        double minutes = Math.max(1, Duration.between(start, end).toMillis()) / 60_000.0;
        long evictedDuring = 0;
        long rejectedDuring = 0;
        Double memoryRatio = null;
        long hits = 0;
        long misses = 0;
        long clients = 0;
        long evictedTotal = 0;
        for (int i = 0; i < after.size(); i++) {
            Info now = after.get(i);
            evictedDuring += Math.max(0, now.evicted() - before.get(i).evicted());
            rejectedDuring += Math.max(0, now.rejected() - before.get(i).rejected());
            if (now.maxMemory() > 0) {
                double ratio = (double) now.usedMemory() / now.maxMemory();
                memoryRatio = memoryRatio == null ? ratio : Math.max(memoryRatio, ratio);
            }
            hits += now.hits();
            misses += now.misses();
            clients += now.clients();
            evictedTotal += now.evicted();
        }
        double evictionsPerMinute = evictedDuring / minutes;
        Double hitRatio = hits + misses == 0 ? null : (double) hits / (hits + misses);
        evidence.put("pingMs", ping.toMillis());
        evidence.put("usedMemoryRatio", memoryRatio == null ? null : Math.round(memoryRatio * 1000) / 1000.0);
        evidence.put("evictionsPerMinute", Math.round(evictionsPerMinute));
        evidence.put("evictedKeysSinceStart", evictedTotal);
        evidence.put("hitRatio", hitRatio == null ? null : Math.round(hitRatio * 1000) / 1000.0);
        evidence.put("connectedClients", clients);
        evidence.put("rejectedConnections", rejectedDuring);
        Facts.CacheHealth health = new Facts.CacheHealth(memoryRatio, evictionsPerMinute, evictedTotal, rejectedDuring, hitRatio, ping, unreachable);

        List<String> warnings = new ArrayList<>();
        if (!unreachable.isEmpty()) {
            warnings.add("a cluster primary is down: " + String.join("; ", unreachable));
        }
        if (memoryRatio != null && memoryRatio >= policy.memoryUsedRatio()) {
            warnings.add(Math.round(memoryRatio * 100) + "% of maxmemory used");
        }
        if (evictionsPerMinute >= policy.evictionsPerMinute()) {
            warnings.add("evicting " + Math.round(evictionsPerMinute) + " keys/min");
        } else if (evictedTotal >= policy.evictionsPerMinute()) {
            warnings.add(evictedTotal + " keys evicted since it started");
        }
        if (rejectedDuring > 0) {
            warnings.add(rejectedDuring + " connections rejected");
        }
        if (hitRatio != null && hitRatio < policy.cacheHitRatioLow()) {
            warnings.add("hit ratio " + Math.round(hitRatio * 100) + "%");
        }
        if (ping.compareTo(policy.cachePingSlow()) > 0) {
            warnings.add("PING took " + ping.toMillis() + " ms");
        }
        if (!warnings.isEmpty()) {
            return Finding.warn("the cache is under pressure: " + String.join(", ", warnings), evidence, health);
        }
        return Finding.ok("the cache answers PING in " + ping.toMillis() + " ms"
                + (memoryRatio == null ? ", no maxmemory" : ", " + Math.round(memoryRatio * 100) + "% of maxmemory")
                + ", " + Math.round(evictionsPerMinute) + " evictions/min", evidence, health);
    }

    /** The cluster's own view (CLUSTER INFO of a reachable primary) and the slots without a reachable primary. */
    private static List<String> cluster(Cache cache, Map<String, Object> evidence) {
        String info = cache.primaries().getFirst().jedis().clusterInfo();
        info.lines().filter(line -> line.startsWith("cluster_state:")).findFirst()
                .ifPresent(line -> evidence.put("clusterState", line.substring(line.indexOf(':') + 1).trim()));
        int missing = cache.unreachable().stream().mapToInt(Cache.Unreachable::slotCount).sum();
        evidence.put("slotsWithReachablePrimary", 16384 - missing);
        List<String> unreachable = cache.unreachable().stream().map(u -> (u.node() == null ? "no primary" : u.node())
                + " (slots " + u.slots() + "): " + u.reason()).toList();
        evidence.put("failedNodes", unreachable);
        return unreachable;
    }

    private static String info(Jedis jedis) {
        return jedis.info("memory") + "\n" + jedis.info("stats") + "\n" + jedis.info("clients");
    }
}
