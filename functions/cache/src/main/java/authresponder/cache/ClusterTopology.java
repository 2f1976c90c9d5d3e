package authresponder.cache;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import redis.clients.jedis.resps.ClusterShardInfo;
import redis.clients.jedis.resps.ClusterShardNodeInfo;

/** The primaries of a Redis Cluster and the slots each owns, from CLUSTER SHARDS (Redis 7+) or CLUSTER NODES (older). */
final class ClusterTopology {
    static final int SLOTS = 16384;

    private ClusterTopology() {}

    record SlotRange(int from, int to) {
        boolean contains(int slot) {
            return slot >= from && slot <= to;
        }
    }

    /** @param failed the cluster itself marks it failed (flag {@code fail}; a suspicion, {@code fail?}, is still tried) */
    record Primary(CacheEndpoint endpoint, List<SlotRange> slots, boolean failed) {}

    static List<Primary> fromShards(List<ClusterShardInfo> shards, boolean tls) {
        List<Primary> primaries = new ArrayList<>();
        for (ClusterShardInfo shard : shards) {
            List<SlotRange> slots = new ArrayList<>();
            List<List<Long>> pairs = shard.getSlots();
            for (int i = 0; pairs != null && i < pairs.size(); i++) {
                slots.add(new SlotRange(pairs.get(i).get(0).intValue(), pairs.get(i).get(1).intValue()));
            }
            for (ClusterShardNodeInfo node : shard.getNodes()) {
                if ("master".equals(node.getRole()) && !slots.isEmpty()) {
                    primaries.add(new Primary(new CacheEndpoint(host(node), port(node, tls), tls), List.copyOf(slots), "fail".equals(node.getHealth())));
                }
            }
        }
        return primaries;
    }

    /** Lines of CLUSTER NODES: id host:port@bus[,hostname] flags primary-id ping pong epoch link slot... */
    static List<Primary> fromNodes(String nodes, boolean tls) {
        List<Primary> primaries = new ArrayList<>();
        for (String line : nodes.split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9 || !fields[2].contains("master")) {
                continue;
            }
            boolean failed = List.of(fields[2].split(",")).contains("fail");
            String[] addressAndHostname = fields[1].split(",", 2);
            String address = addressAndHostname[0].split("@")[0];
            int colon = address.lastIndexOf(':');
            String host = addressAndHostname.length > 1 && !addressAndHostname[1].isEmpty() ? addressAndHostname[1] : address.substring(0, colon);
            int port = Integer.parseInt(address.substring(colon + 1));
            List<SlotRange> slots = new ArrayList<>();
            for (int i = 8; i < fields.length; i++) {
                if (fields[i].startsWith("[")) {
                    continue; // a slot being migrated or imported; its owner is listed as a plain range
                }
                String[] range = fields[i].split("-");
                slots.add(new SlotRange(Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1])));
            }
            if (!slots.isEmpty()) {
                primaries.add(new Primary(new CacheEndpoint(host, port, tls), List.copyOf(slots), failed));
            }
        }
        return primaries;
    }

    /** The slots of 0..16383 that no range covers, as ranges. */
    static List<SlotRange> uncovered(List<SlotRange> covered) {
        BitSet owned = new BitSet(SLOTS);
        covered.forEach(range -> owned.set(range.from(), range.to() + 1));
        List<SlotRange> missing = new ArrayList<>();
        for (int from = owned.nextClearBit(0); from < SLOTS; from = owned.nextClearBit(from)) {
            int next = owned.nextSetBit(from);
            int to = (next < 0 ? SLOTS : next) - 1;
            missing.add(new SlotRange(from, to));
            from = to + 1;
        }
        return missing;
    }

    static int count(List<SlotRange> ranges) {
        return ranges.stream().mapToInt(r -> r.to() - r.from() + 1).sum();
    }

    /** As CLUSTER NODES writes them: "0-5460 10923". */
    static String describe(List<SlotRange> ranges) {
        return String.join(" ", ranges.stream().map(r -> r.from() == r.to() ? String.valueOf(r.from()) : r.from() + "-" + r.to()).toList());
    }

    private static String host(ClusterShardNodeInfo node) {
        String endpoint = node.getEndpoint();
        return endpoint == null || endpoint.isEmpty() || endpoint.equals("?") ? node.getIp() : endpoint;
    }

    private static int port(ClusterShardNodeInfo node, boolean tls) {
        Long port = tls && node.getTlsPort() != null ? node.getTlsPort() : node.getPort();
        return (port != null ? port : node.getTlsPort()).intValue();
    }
}
