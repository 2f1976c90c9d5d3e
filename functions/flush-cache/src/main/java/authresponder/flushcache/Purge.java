package authresponder.flushcache;

import authresponder.cache.Cache;
import authresponder.core.Budget;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.FlushMode;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Removes (or in a dry run counts) the keys of some patterns on every primary, all primaries at once.
 * Each round trip to a node carries the UNLINKs of the previous SCAN page together with the next SCAN,
 * so the server is never idle waiting for the client and KEYS is never used. In cluster mode the keys
 * of one UNLINK share a hash slot. A cap on keys per run, the time budget and a lost connection end the
 * run early, and the counts say exactly what was removed until then.
 */
final class Purge {
    /** Stop starting round trips when less than this is left: the answer still has to be written. */
    static final Duration MARGIN = Duration.ofMillis(300);
    static final String WHOLE_DATABASE_LABEL = "(whole database)";

    private final List<String> patterns;
    private final boolean dryRun;
    private final int scanCount;
    private final long maxKeys;
    private final Budget budget;
    private final AtomicLong allowance;
    private final AtomicReference<String> stop = new AtomicReference<>();

    /** patterns is empty for the whole-database scope. */
    Purge(List<String> patterns, boolean dryRun, int scanCount, long maxKeys, Budget budget) {
        this.patterns = patterns;
        this.dryRun = dryRun;
        this.scanCount = scanCount;
        this.maxKeys = maxKeys;
        this.budget = budget;
        this.allowance = new AtomicLong(maxKeys);
    }

    record Outcome(List<FlushReport.NodeReport> nodes, Map<String, Long> keysByPattern, String stoppedBecause) {
        long keys() {
            return keysByPattern.values().stream().mapToLong(Long::longValue).sum();
        }

        boolean complete() {
            return stoppedBecause == null && nodes.stream().allMatch(FlushReport.NodeReport::complete);
        }
    }

    Outcome run(Cache cache) throws InterruptedException {
        List<NodeCount> counts = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<NodeCount>> running = new ArrayList<>();
            for (Cache.Node node : cache.primaries()) {
                running.add(pool.submit(() -> patterns.isEmpty() ? wipe(node) : sweep(node, cache.clusterMode())));
            }
            for (Future<NodeCount> future : running) {
                counts.add(future.get());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a node's purge failed unexpectedly", e.getCause());
        }
        Map<String, Long> byPattern = new LinkedHashMap<>();
        (patterns.isEmpty() ? List.of(WHOLE_DATABASE_LABEL) : patterns).forEach(p -> byPattern.put(p, 0L));
        List<FlushReport.NodeReport> nodes = new ArrayList<>();
        for (NodeCount count : counts) {
            count.byPattern.forEach((pattern, n) -> byPattern.merge(pattern, n, Long::sum));
            nodes.add(new FlushReport.NodeReport(count.node, count.total(), count.complete, count.error));
        }
        return new Outcome(nodes, byPattern, stop.get());
    }

    /** What one node did; filled by the one thread that works on that node. */
    private static final class NodeCount {
        final String node;
        final Map<String, Long> byPattern = new LinkedHashMap<>();
        boolean complete;
        String error;

        NodeCount(String node) {
            this.node = node;
        }

        void add(String pattern, long keys) {
            byPattern.merge(pattern, keys, Long::sum);
        }

        long total() {
            return byPattern.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private NodeCount sweep(Cache.Node node, boolean clusterMode) {
        NodeCount count = new NodeCount(node.toString());
        try {
            boolean complete = true;
            for (String pattern : patterns) {
                complete = sweep(node, pattern, clusterMode, count);
                if (!complete) {
                    break;
                }
            }
            count.complete = complete;
        } catch (JedisException e) {
            count.error = describe(node, e, count.total());
        }
        return count;
    }

    /** One pattern on one node; true when its keyspace was scanned to the end. */
    private boolean sweep(Cache.Node node, String pattern, boolean clusterMode, NodeCount count) {
        ScanParams params = new ScanParams().match(pattern.getBytes(StandardCharsets.UTF_8)).count(scanCount);
        Set<ByteBuffer> seen = dryRun ? new HashSet<>() : null; // SCAN may return a key twice: count it once
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        List<byte[]> pending = List.of();
        boolean scannedToTheEnd = false;
        count.add(pattern, 0);
        while (!halted()) {
            Pipeline pipeline = node.jedis().pipelined();
            List<Response<Long>> unlinks = unlink(pipeline, pending, clusterMode);
            Response<ScanResult<byte[]>> page = pipeline.scan(cursor, params);
            pipeline.sync();
            long removed = sum(unlinks);
            count.add(pattern, removed);
            allowance.addAndGet(pending.size() - removed); // a key SCAN returned twice, or one that expired, is not counted against the cap
            pending = List.of();
            ScanResult<byte[]> result = page.get();
            List<byte[]> found = dryRun ? unseen(result.getResult(), seen) : result.getResult();
            List<byte[]> granted = take(found);
            if (dryRun) {
                count.add(pattern, granted.size());
            } else {
                pending = granted;
            }
            if (granted.size() < found.size()) {
                break;
            }
            if (result.isCompleteIteration()) {
                scannedToTheEnd = true;
                break;
            }
            cursor = result.getCursorAsBytes();
        }
        if (!pending.isEmpty()) {
            Pipeline pipeline = node.jedis().pipelined();
            List<Response<Long>> unlinks = unlink(pipeline, pending, clusterMode);
            pipeline.sync();
            count.add(pattern, sum(unlinks));
        }
        return scannedToTheEnd;
    }

    private NodeCount wipe(Cache.Node node) {
        NodeCount count = new NodeCount(node.toString());
        try {
            var jedis = node.jedis();
            long size = jedis.dbSize();
            if (!dryRun) {
                jedis.flushDB(FlushMode.ASYNC);
            }
            count.add(WHOLE_DATABASE_LABEL, size);
            count.complete = true;
        } catch (JedisException e) {
            count.error = describe(node, e, 0);
        }
        return count;
    }

    private List<Response<Long>> unlink(Pipeline pipeline, List<byte[]> keys, boolean clusterMode) {
        if (keys.isEmpty()) {
            return List.of();
        }
        if (!clusterMode) {
            return List.of(pipeline.unlink(keys.toArray(byte[][]::new)));
        }
        Map<Integer, List<byte[]>> bySlot = new LinkedHashMap<>();
        for (byte[] key : keys) {
            bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(key), slot -> new ArrayList<>()).add(key);
        }
        List<Response<Long>> responses = new ArrayList<>(bySlot.size());
        for (List<byte[]> sameSlot : bySlot.values()) {
            responses.add(pipeline.unlink(sameSlot.toArray(byte[][]::new)));
        }
        return responses;
    }

    private static long sum(List<Response<Long>> responses) {
        long total = 0;
        for (Response<Long> response : responses) {
            total += response.get();
        }
        return total;
    }

    private static List<byte[]> unseen(List<byte[]> keys, Set<ByteBuffer> seen) {
        List<byte[]> fresh = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            if (seen.add(ByteBuffer.wrap(key))) {
                fresh.add(key);
            }
        }
        return fresh;
    }

    /** Takes up to keys.size() from what the cap still allows; when it allows less, the run stops. */
    private List<byte[]> take(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return keys;
        }
        long granted;
        while (true) {
            long left = allowance.get();
            granted = Math.min(left, keys.size());
            if (allowance.compareAndSet(left, left - granted)) {
                break;
            }
        }
        if (granted < keys.size()) {
            stop.compareAndSet(null, "the cap of " + maxKeys + " keys per run was reached");
        }
        return keys.subList(0, (int) granted);
    }

    private boolean budgetLow() {
        return budget.remaining().compareTo(MARGIN) < 0;
    }

    private boolean halted() {
        if (budgetLow()) {
            stop.compareAndSet(null, "the time budget ran out");
        }
        return stop.get() != null;
    }

    private String describe(Cache.Node node, JedisException e, long soFar) {
        String what = e instanceof JedisConnectionException ? "lost the connection to " : "error from ";
        return what + node + " after " + soFar + " keys" + (dryRun ? " counted" : " removed") + ": " + e.getMessage();
    }
}
