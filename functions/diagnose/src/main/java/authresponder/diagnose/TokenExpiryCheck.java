package authresponder.diagnose;

import authresponder.cache.Cache;
import authresponder.cache.CacheConnector;
import authresponder.cache.CacheException;
import authresponder.core.Budget;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Check 7: a bounded SCAN sample of the token keys (never KEYS) and their TTLs: whether a large share
 * expires within the same minute (a bulk expiry), and how many carry no TTL or vanished while sampled.
 */
final class TokenExpiryCheck implements CheckRunner.Check<Facts.ExpiryPattern> {
    static final String NAME = "token-expiry";
    /** Keys SCAN looks at per call; the sample stops at the cap, so this bounds one round trip, not the total. */
    private static final int SCAN_COUNT = 1000;
    /** SCAN calls per primary at most: a sparse pattern on a huge cache ends here, with what it found. */
    private static final int MAX_SCANS = 100;

    private final CacheConnector connector;
    private final String pattern;
    private final int sampleSize;
    private final double bulkShare;

    TokenExpiryCheck(CacheConnector connector, String pattern, int sampleSize, double bulkShare) {
        this.connector = connector;
        this.pattern = pattern;
        this.sampleSize = sampleSize;
        this.bulkShare = bulkShare;
    }

    @Override
    public Finding<Facts.ExpiryPattern> run(Budget budget) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("pattern", pattern);
        List<Long> ttls = new ArrayList<>();
        try (Cache cache = connector.open(budget)) {
            int perPrimary = Math.max(1, (int) Math.ceil((double) sampleSize / cache.primaries().size()));
            for (Cache.Node node : cache.primaries()) {
                ttls.addAll(sample(node.jedis(), perPrimary, budget));
            }
        } catch (CacheException | JedisException e) {
            return Finding.fail("could not sample the token keys: " + e.getMessage(), evidence);
        }
        Instant now = Instant.now();
        int withoutTtl = 0;
        int gone = 0;
        Map<Instant, Integer> perMinute = new LinkedHashMap<>();
        for (long ttl : ttls) {
            if (ttl == -1) {
                withoutTtl++;
            } else if (ttl == -2) {
                gone++;
            } else {
                perMinute.merge(now.plusMillis(ttl).truncatedTo(ChronoUnit.MINUTES), 1, Integer::sum);
            }
        }
        int withTtl = ttls.size() - withoutTtl - gone;
        Map.Entry<Instant, Integer> busiest = perMinute.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);
        double share = withTtl == 0 || busiest == null ? 0 : (double) busiest.getValue() / withTtl;
        evidence.put("sampled", ttls.size());
        evidence.put("withoutTtl", withoutTtl);
        evidence.put("goneWhileSampling", gone);
        evidence.put("busiestMinute", busiest == null ? null : busiest.getKey());
        evidence.put("busiestMinuteShare", Math.round(share * 1000) / 1000.0);
        Facts.ExpiryPattern fact = new Facts.ExpiryPattern(ttls.size(), withoutTtl, share, busiest == null ? null : busiest.getKey());
        if (ttls.isEmpty()) {
            return Finding.ok("no key matches " + pattern, evidence, fact);
        }
        String summary = Math.round(share * 100) + "% of " + withTtl + " sampled token keys expire in the minute of "
                + (busiest == null ? "-" : busiest.getKey()) + (withoutTtl > 0 ? "; " + withoutTtl + " have no TTL" : "");
        boolean bulk = ttls.size() >= DiagnosePolicy.BULK_EXPIRY_MIN_SAMPLE && share >= bulkShare;
        return bulk ? Finding.warn("bulk expiry: " + summary, evidence, fact) : Finding.ok(summary, evidence, fact);
    }

    /** Up to n keys of one primary with their TTLs in ms (-1 none, -2 gone), read in one pipeline. */
    private List<Long> sample(Jedis jedis, int n, Budget budget) {
        List<String> keys = new ArrayList<>();
        ScanParams params = new ScanParams().match(pattern).count(SCAN_COUNT);
        String cursor = ScanParams.SCAN_POINTER_START;
        int scans = 0;
        do {
            ScanResult<String> page = jedis.scan(cursor, params);
            for (String key : page.getResult()) {
                if (keys.size() < n) {
                    keys.add(key);
                }
            }
            cursor = page.getCursor();
            scans++;
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START) && keys.size() < n && scans < MAX_SCANS && !budget.expired());
        List<Response<Long>> ttls = new ArrayList<>();
        try (Pipeline pipeline = jedis.pipelined()) {
            keys.forEach(key -> ttls.add(pipeline.pttl(key)));
            pipeline.sync();
        }
        return ttls.stream().map(Response::get).toList();
    }
}
