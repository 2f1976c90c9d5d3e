package authresponder.flushcache;

import java.util.List;
import java.util.Map;

/**
 * What a flush did, or in a dry run would do.
 *
 * @param keys           keys removed (dry run: keys that would be removed), all patterns and nodes together
 * @param keysByPattern  the same, per pattern of the scope
 * @param nodesScanned   primaries whose keyspace was scanned to the end
 * @param nodes          every primary with its own count, and why it stopped early if it did
 * @param complete       true when every matching key is gone (dry run: was counted)
 * @param stoppedBecause why the run ended early (cap, time budget, a lost connection); null when complete
 */
public record FlushReport(
        String scope,
        boolean dryRun,
        String cache,
        boolean clusterMode,
        long keys,
        Map<String, Long> keysByPattern,
        int nodesScanned,
        List<NodeReport> nodes,
        boolean complete,
        String stoppedBecause,
        long maxKeys) {

    /** One primary: its address, its count, whether its scan finished, and its error if any. */
    public record NodeReport(String node, long keys, boolean complete, String error) {}
}
