package authresponder.flushcache;

import authresponder.cache.Cache;
import authresponder.cache.CacheConnector;
import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.core.policy.Caps;
import authresponder.core.policy.Policy;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * The function's side of bin/bench-flush: the very purge flush-cache runs (same connector, same Purge,
 * the runbook's caps), timed in one warm JVM as in a warm Lambda, with a GET loop on another connection
 * measuring what the other clients of the cache feel meanwhile. The ledger's DynamoDB calls are left out.
 *
 * <p>{@code FlushBench URL RUNS SESSIONS TOKENS}: each run seeds with DEBUG POPULATE, then purges the
 * tokens scope; the first run warms the JIT and is not counted. {@code FlushBench URL once}: one purge of
 * whatever is there (hyperfine seeds it), for the cold-process time.
 */
public final class FlushBench {
    /** DEBUG POPULATE fills the server from inside: a million keys in about a second. */
    private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private FlushBench() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Env env = new Env(Map.of("CACHE_URL", url));
        List<String> patterns = new Scopes(env).patterns("tokens").orElseThrow();
        Caps caps = Policy.bundled().caps();
        CacheConnector connector = new CacheConnector(env);
        if (args[1].equals("once")) {
            long started = System.nanoTime();
            Purge.Outcome outcome = purge(connector, patterns, caps);
            System.out.printf("removed %d keys in %.0f ms%n", outcome.keys(), (System.nanoTime() - started) / 1e6);
            return;
        }
        int runs = Integer.parseInt(args[1]);
        URI uri = URI.create(url);
        double[] purgeMs = new double[runs];
        long[] allGets = new long[0];
        for (int run = -1; run < runs; run++) {
            seed(uri, args[2], args[3]);
            GetLoop gets = GetLoop.start(uri, Integer.parseInt(args[2]));
            long started = System.nanoTime();
            Purge.Outcome outcome = purge(connector, patterns, caps);
            double ms = (System.nanoTime() - started) / 1e6;
            long[] latencies = gets.stop();
            if (!outcome.complete() || outcome.keys() != Long.parseLong(args[3])) {
                throw new IllegalStateException("the purge removed " + outcome.keys() + " keys, complete=" + outcome.complete());
            }
            if (run >= 0) {
                purgeMs[run] = ms;
                allGets = concat(allGets, latencies);
                System.out.printf("run %d: removed %d keys in %.0f ms; %d GETs meanwhile, p99 %.2f ms%n",
                        run + 1, outcome.keys(), ms, latencies.length, percentile(latencies, 99) / 1e6);
            }
        }
        seed(uri, args[2], "0");
        GetLoop idle = GetLoop.start(uri, Integer.parseInt(args[2]));
        Thread.sleep(1000);
        long[] baseline = idle.stop();
        Arrays.sort(purgeMs);
        System.out.printf("flush-cache purge, %d runs: median %.0f ms, min %.0f ms, max %.0f ms (SCAN COUNT %d, cap %d)%n",
                runs, purgeMs[runs / 2], purgeMs[0], purgeMs[runs - 1], caps.flushBatchSize(), caps.flushMaxKeys());
        System.out.printf("concurrent GET during the purges: %d GETs, p50 %.3f ms, p99 %.3f ms, max %.3f ms%n",
                allGets.length, percentile(allGets, 50) / 1e6, percentile(allGets, 99) / 1e6, percentile(allGets, 100) / 1e6);
        System.out.printf("GET with no purge running (1 s): p50 %.3f ms, p99 %.3f ms%n",
                percentile(baseline, 50) / 1e6, percentile(baseline, 99) / 1e6);
    }

    private static Purge.Outcome purge(CacheConnector connector, List<String> patterns, Caps caps) throws InterruptedException {
        Budget budget = Budget.of(Duration.ofMinutes(5));
        try (Cache cache = connector.open(budget)) {
            return new Purge(patterns, false, caps.flushBatchSize(), caps.flushMaxKeys(), budget).run(cache);
        }
    }

    private static void seed(URI uri, String sessions, String tokens) {
        try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort(), 60_000)) {
            jedis.flushAll();
            jedis.sendCommand(DEBUG, "POPULATE", sessions, "session");
            if (!tokens.equals("0")) {
                jedis.sendCommand(DEBUG, "POPULATE", tokens, "token");
            }
        }
    }

    /** GETs of random session keys, one at a time on their own connection, each one timed. */
    private static final class GetLoop {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private long[] latencies = new long[1 << 16];
        private int count;

        private GetLoop(URI uri, int sessions) {
            thread = Thread.ofPlatform().start(() -> {
                try (Jedis jedis = new Jedis(uri.getHost(), uri.getPort())) {
                    while (running.get()) {
                        String key = "session:" + ThreadLocalRandom.current().nextInt(sessions);
                        long started = System.nanoTime();
                        jedis.get(key);
                        if (count == latencies.length) {
                            latencies = Arrays.copyOf(latencies, count * 2);
                        }
                        latencies[count++] = System.nanoTime() - started;
                    }
                }
            });
        }

        static GetLoop start(URI uri, int sessions) {
            return new GetLoop(uri, sessions);
        }

        long[] stop() throws InterruptedException {
            running.set(false);
            thread.join();
            return Arrays.copyOf(latencies, count);
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static double percentile(long[] values, int p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
