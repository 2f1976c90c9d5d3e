package authresponder.flushcache;

import authresponder.cache.Cache;
import authresponder.core.Budget;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
import redis.clients.jedis.exceptions.JedisDataException;
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

    /**
     * @param unreachable the cluster's slots that no reachable primary serves (a node down, or slots no node lists):
     *                    nothing of theirs was removed
     */
    record Outcome(List<FlushReport.NodeReport> nodes, Map<String, Long> keysByPattern, String stoppedBecause,
                   List<Cache.Unreachable> unreachable) {
        long keys() {
            return keysByPattern.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Keys sent for removal whose answer was lost with the connection: removed or not, nobody knows. */
        long keysUnknown() {
            return nodes.stream().mapToLong(FlushReport.NodeReport::keysUnknown).sum();
        }

        boolean complete() {
            return stoppedBecause == null && unreachable.isEmpty() && nodes.stream().allMatch(FlushReport.NodeReport::complete);
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
            nodes.add(new FlushReport.NodeReport(count.node, count.total(), count.unknown, count.complete, count.error));
        }
        return new Outcome(nodes, byPattern, stop.get(), cache.unreachable());
    }

    /** UNLINKs of one pattern sent in one round trip, and how many keys each names. */
    private record Sent(String pattern, List<Response<Long>> removed, List<Integer> keys) {}

    /** What one node did; filled by the one thread that works on that node. */
    private static final class NodeCount {
        final String node;
        final Map<String, Long> byPattern = new LinkedHashMap<>();
        boolean complete;
        String error;
        long unknown;
        /** The UNLINKs of the round trip under way: counted once Redis answers them. */
        Sent sent;

        NodeCount(String node) {
            this.node = node;
        }

        void add(String pattern, long keys) {
            byPattern.merge(pattern, keys, Long::sum);
        }

        long total() {
            return byPattern.values().stream().mapToLong(Long::longValue).sum();
        }

        /** The round trip's answers, once its pipeline has synced: returns what Redis says it removed. */
        long confirm() {
            long removed = 0;
            for (Response<Long> response : sent.removed()) {
                removed += response.get();
            }
            add(sent.pattern(), removed);
            sent = null;
            return removed;
        }

        /** The connection failed: counts each UNLINK Redis did answer, and the keys of the others as unknown. */
        void settle() {
            if (sent == null) {
                return;
            }
            for (int i = 0; i < sent.removed().size(); i++) {
                try {
                    add(sent.pattern(), sent.removed().get(i).get());
                } catch (JedisDataException refused) {
                    // answered with an error (READONLY, ...): it removed nothing
                } catch (IllegalStateException unanswered) {
                    unknown += sent.keys().get(i);
                }
            }
            sent = null;
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
            count.settle();
            count.error = describe(node, e, count.total(), count.unknown);
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
            count.sent = unlink(pipeline, pattern, pending, clusterMode);
            Response<ScanResult<byte[]>> page = pipeline.scan(cursor, params);
            pipeline.sync();
            long removed = count.confirm();
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
            count.sent = unlink(pipeline, pattern, pending, clusterMode);
            pipeline.sync();
            count.confirm();
        }
        return scannedToTheEnd;
    }

    private NodeCount wipe(Cache.Node node) {
        NodeCount count = new NodeCount(node.toString());
        try {
            var jedis = node.jedis();
            long size = jedis.dbSize();
            if (!dryRun) {
                count.unknown = size; // until FLUSHDB's answer arrives
                jedis.flushDB(FlushMode.ASYNC);
                count.unknown = 0;
            }
            count.add(WHOLE_DATABASE_LABEL, size);
            count.complete = true;
        } catch (JedisException e) {
            count.error = describe(node, e, 0, count.unknown);
        }
        return count;
    }

    private Sent unlink(Pipeline pipeline, String pattern, List<byte[]> keys, boolean clusterMode) {
        Collection<List<byte[]>> batches = List.of(keys);
        if (keys.isEmpty()) {
            batches = List.of();
        } else if (clusterMode) {
            Map<Integer, List<byte[]>> bySlot = new LinkedHashMap<>();
            for (byte[] key : keys) {
                bySlot.computeIfAbsent(JedisClusterCRC16.getSlot(key), slot -> new ArrayList<>()).add(key);
            }
            batches = bySlot.values();
        }
        List<Response<Long>> responses = new ArrayList<>(batches.size());
        List<Integer> sizes = new ArrayList<>(batches.size());
        for (List<byte[]> batch : batches) {
            responses.add(pipeline.unlink(batch.toArray(byte[][]::new)));
            sizes.add(batch.size());
        }
        return new Sent(pattern, responses, sizes);
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

    private String describe(Cache.Node node, JedisException e, long soFar, long unknown) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof JedisDataException && message.startsWith("READONLY")) {
            return "connected to a replica: " + node + " is read-only (" + message + "), so no key can be removed there;"
                    + " point CACHE_URL at the primary endpoint";
        }
        String what = e instanceof JedisConnectionException ? "lost the connection to " : "error from ";
        String unanswered = unknown == 0 ? "" : " (and " + unknown + " more sent for removal whose answer was lost: removed or not, unknown)";
        return what + node + " after " + soFar + " keys" + (dryRun ? " counted" : " removed") + unanswered + ": " + message;
    }
}
