package authresponder.infra;

import authresponder.core.MaxEventAge;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The five functions and how each one runs; their handler classes are the routing's (runbooks/routing.json).
 * Memory buys CPU on Lambda (1,769 MB is one vCPU), and almost every invocation of these rare functions is a
 * cold start, which is CPU-bound: class loading on one core, the JIT compiler and the clients a function
 * prepares during its init phase on another. So each gets two vCPUs (3,538 MB), the machine the cold-start
 * benchmark measures; they run rarely (watch-keys briefly and warm), so the cost stays small. The timeouts cover the
 * slowest honest path (a rollout watch, a large purge) and each function budgets its calls within them.
 * Reserved concurrency caps what a burst of alarms can start (and keeps the account's pool for others);
 * the ledger, not concurrency, is what makes one action per target.
 *
 * @param inCacheVpc   runs in the cache's VPC (it talks to Redis)
 * @param vcpus        the CPUs it runs on, which Lambda sizes by memory
 * @param retries      Lambda's retries of a failed asynchronous invocation (0-2)
 */
public enum FunctionSpec {
    DIAGNOSE("diagnose", 2, Duration.ofSeconds(30), 5, true, 1),
    FLUSH_CACHE("flush-cache", 2, Duration.ofMinutes(2), 2, true, 2),
    RESTART_AUTHORISER("restart-authoriser", 2, Duration.ofMinutes(3), 2, false, 2),
    ESCALATE("escalate", 2, Duration.ofSeconds(30), 5, false, 2),
    // Runs the flush and the restart itself (their code, in process), so it has their reach and their time.
    WATCH_KEYS("watch-keys", 2, Duration.ofMinutes(5), 1, true, 0);

    private final String id;
    private final int vcpus;
    private final Duration timeout;
    private final int reservedConcurrency;
    private final boolean inCacheVpc;
    private final int retries;

    FunctionSpec(String id, int vcpus, Duration timeout, int reservedConcurrency, boolean inCacheVpc,
                 int retries) {
        this.id = id;
        this.vcpus = vcpus;
        this.timeout = timeout;
        this.reservedConcurrency = reservedConcurrency;
        this.inCacheVpc = inCacheVpc;
        this.retries = retries;
    }

    /** The function's name in the project: its module under functions/, its jar, its routing name. */
    public String id() {
        return id;
    }

    /** Lambda gives one vCPU per 1,769 MB, and CPU in proportion to memory. */
    public int memoryMb() {
        return vcpus * 1769;
    }

    public Duration timeout() {
        return timeout;
    }

    public int reservedConcurrency() {
        return reservedConcurrency;
    }

    public boolean inCacheVpc() {
        return inCacheVpc;
    }

    public int retries() {
        return retries;
    }

    /** How old an alarm or result may be and still be worth acting on: the function refuses older ones by the same value. */
    public Duration maxEventAge() {
        return MaxEventAge.of(id);
    }

    /** The function for a project name such as {@code flush-cache}, or null. */
    public static FunctionSpec byId(String id) {
        return Arrays.stream(values()).filter(f -> f.id.equals(id)).findFirst().orElse(null);
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(FunctionSpec::id).toList();
    }
}
