package authresponder.flushcache;

import authresponder.cache.Cache;
import java.util.List;
import java.util.Map;

/**
 * What a flush did, or in a dry run would do.
 *
 * @param keys           keys Redis confirmed removed (dry run: keys that would be removed), all patterns and nodes together
 * @param keysUnknown    keys sent for removal whose answer was lost with the connection: removed or not, unknown
 * @param keysByPattern  the same, per pattern of the scope
 * @param nodesScanned   primaries whose keyspace was scanned to the end
 * @param nodes          every primary with its own count, and why it stopped early if it did
 * @param unreachable    the cluster's slots no reachable primary serves, with the node that owns them (if any listed):
 *                       none of their keys was removed
 * @param complete       true when every matching key is gone (dry run: was counted)
 * @param stoppedBecause why the run ended early (cap, time budget, a lost connection); null when complete
 */
public record FlushReport(
        String scope,
        boolean dryRun,
        String cache,
        boolean clusterMode,
        long keys,
        long keysUnknown,
        Map<String, Long> keysByPattern,
        int nodesScanned,
        List<NodeReport> nodes,
        List<Cache.Unreachable> unreachable,
        boolean complete,
        String stoppedBecause,
        long maxKeys) {

    /** One primary: its address, its confirmed count, keys whose removal is unknown, whether its scan finished, its error if any. */
    public record NodeReport(String node, long keys, long keysUnknown, boolean complete, String error) {}
}
