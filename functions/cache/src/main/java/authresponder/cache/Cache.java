package authresponder.cache;

import authresponder.core.Budget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Open connections to the cache for one invocation: one per primary (a standalone server or replication
 * group has one; a cluster-mode cache has one per shard). Work that must touch every key (SCAN, purge)
 * walks {@link #primaries()}; work on one key goes to {@link #nodeFor(String)}. Every read waits at most
 * what is left of the invocation's budget. Close it when done.
 */
public final class Cache implements AutoCloseable {
    /** The longest one command may wait for its reply, and never past the invocation's budget. */
    public static final Duration READ_CAP = Duration.ofSeconds(5);

    private final boolean clusterMode;
    private final List<Node> primaries;
    private final List<Unreachable> unreachable;

    /**
     * Slots of a cluster that no reachable primary serves: nothing of theirs can be read or removed now.
     *
     * @param node   the primary the cluster lists for them, or null when no node lists them at all
     * @param slots  the slot ranges, as CLUSTER NODES writes them ("0-5460")
     * @param reason why they are out of reach
     */
    public record Unreachable(String node, String slots, int slotCount, String reason) {}

    private Cache(boolean clusterMode, List<Node> primaries, List<Unreachable> unreachable) {
        this.clusterMode = clusterMode;
        this.primaries = List.copyOf(primaries);
        this.unreachable = List.copyOf(unreachable);
    }

    /** Connects to the seed endpoint and, for a cluster-mode cache, to every primary it knows. */
    static Cache open(CacheEndpoint seed, Dialer dialer, Budget budget) {
        Jedis first = dialer.dial(seed, budget);
        boolean cluster;
        List<ClusterTopology.Primary> topology;
        try {
            cluster = first.info("cluster").contains("cluster_enabled:1");
            topology = cluster ? discover(first, seed.tls()) : List.of();
        } catch (JedisAccessControlException e) {
            first.close();
            throw new CacheException("the cache at " + seed + " refused the credentials: " + e.getMessage(), e);
        } catch (JedisException e) {
            first.close();
            throw new CacheException("the cache at " + seed + " did not answer: " + Dialer.rootMessage(e), e);
        }
        if (!cluster) {
            return new Cache(false, List.of(new Node(seed, List.of(), first, budget)), List.of());
        }
        first.close();
        // Every primary that can be reached is served; the slots of the others are named, and so are slots no node
        // lists at all (a failed node can vanish from the list): coverage is checked against all 16384.
        List<Node> nodes = new ArrayList<>();
        List<Unreachable> unreachable = new ArrayList<>();
        List<ClusterTopology.SlotRange> listed = new ArrayList<>();
        try {
            for (ClusterTopology.Primary primary : topology) {
                listed.addAll(primary.slots());
                if (primary.failed()) {
                    unreachable.add(unreachable(primary, "the cluster marks it failed"));
                    continue;
                }
                try {
                    nodes.add(new Node(primary.endpoint(), primary.slots(), dialer.dial(primary.endpoint(), budget), budget));
                } catch (CacheException down) {
                    unreachable.add(unreachable(primary, down.getMessage()));
                }
            }
        } catch (RuntimeException e) {
            nodes.forEach(Node::close);
            throw e;
        }
        List<ClusterTopology.SlotRange> unlisted = ClusterTopology.uncovered(listed);
        if (!unlisted.isEmpty()) {
            unreachable.add(new Unreachable(null, ClusterTopology.describe(unlisted), ClusterTopology.count(unlisted), "no node of the cluster lists them"));
        }
        if (nodes.isEmpty()) {
            throw new CacheException("the cluster at " + seed + " has no reachable primary that owns slots"
                    + (unreachable.isEmpty() ? "" : ": " + unreachable));
        }
        return new Cache(true, nodes, unreachable);
    }

    private static Unreachable unreachable(ClusterTopology.Primary primary, String reason) {
        return new Unreachable(primary.endpoint().toString(), ClusterTopology.describe(primary.slots()), ClusterTopology.count(primary.slots()), reason);
    }

    private static List<ClusterTopology.Primary> discover(Jedis seed, boolean tls) {
        try {
            return ClusterTopology.fromShards(seed.clusterShards(), tls);
        } catch (JedisDataException olderThanRedis7) {
            return ClusterTopology.fromNodes(seed.clusterNodes(), tls);
        }
    }

    public boolean clusterMode() {
        return clusterMode;
    }

    /** One node per reachable primary: a standalone cache has exactly one. */
    public List<Node> primaries() {
        return primaries;
    }

    /** A cluster's slots that no reachable primary serves; empty when every slot has one (always, for a standalone cache). */
    public List<Unreachable> unreachable() {
        return unreachable;
    }

    /** The primary that owns a key (its hash slot in cluster mode). */
    public Node nodeFor(String key) {
        if (!clusterMode) {
            return primaries.getFirst();
        }
        int slot = JedisClusterCRC16.getSlot(key);
        return primaries.stream().filter(node -> node.owns(slot)).findFirst()
                .orElseThrow(() -> new CacheException("no reachable primary of the cluster serves slot " + slot + " (key " + key + ")"));
    }

    /** Runs one command on the primary that owns the key. */
    public <T> T onKey(String key, Function<Jedis, T> command) {
        return command.apply(nodeFor(key).jedis());
    }

    @Override
    public void close() {
        primaries.forEach(Node::close);
    }

    /** One primary and its open connection. */
    public static final class Node implements AutoCloseable {
        private final CacheEndpoint endpoint;
        private final List<ClusterTopology.SlotRange> slots;
        private final Jedis jedis;
        private final Budget budget;

        private Node(CacheEndpoint endpoint, List<ClusterTopology.SlotRange> slots, Jedis jedis, Budget budget) {
            this.endpoint = endpoint;
            this.slots = slots;
            this.jedis = jedis;
            this.budget = budget;
        }

        public CacheEndpoint endpoint() {
            return endpoint;
        }

        /** The connection, its read timeout cut to what is left of the budget. */
        public Jedis jedis() {
            jedis.getConnection().setSoTimeout((int) budget.timeout(READ_CAP).toMillis());
            return jedis;
        }

        /** True when this node owns the hash slot (a standalone node owns all). */
        public boolean owns(int slot) {
            return slots.isEmpty() || slots.stream().anyMatch(range -> range.contains(slot));
        }

        /** How many hash slots it owns: 16384 for a standalone node. */
        public int slotCount() {
            return slots.isEmpty() ? ClusterTopology.SLOTS : slots.stream().mapToInt(r -> r.to() - r.from() + 1).sum();
        }

        @Override
        public void close() {
            try {
                jedis.close();
            } catch (JedisException alreadyBroken) {
                // the connection is gone either way
            }
        }

        @Override
        public String toString() {
            return endpoint.toString();
        }
    }
}
