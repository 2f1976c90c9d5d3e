package authresponder.diagnose;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * How late this process runs its virtual threads (the checks' threads): a virtual thread that asks to sleep
 * {@link #TICK} and notes how much later it woke. Busy carriers or a busy host make every check late in the
 * same way; a slow dependency does not. Runs while a diagnosis runs.
 */
final class Lag implements AutoCloseable {
    static final Duration TICK = Duration.ofMillis(10);
    /** Waking later than this is a stall; less is the jitter of a shared host, which delays nothing that matters. */
    static final Duration STALL = Duration.ofMillis(20);

    /** When each tick woke, and how late. */
    private final ConcurrentSkipListMap<Instant, Duration> late = new ConcurrentSkipListMap<>();
    private final Thread ticker;

    private Lag() {
        ticker = Thread.ofVirtual().name("lag").start(this::tick);
    }

    static Lag start() {
        return new Lag();
    }

    private void tick() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long asleep = System.nanoTime();
                Thread.sleep(TICK);
                Duration overslept = Duration.ofNanos(System.nanoTime() - asleep).minus(TICK);
                late.put(Instant.now(), overslept.isNegative() ? Duration.ZERO : overslept);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the diagnosis ended
        }
    }

    /** The stalls since a moment, added up: the time this process's virtual threads could not run. The tick under way counts. */
    Duration lostSince(Instant since) {
        Duration lost = late.tailMap(since).values().stream().filter(Lag::stall).reduce(Duration.ZERO, Duration::plus);
        Map.Entry<Instant, Duration> last = late.lastEntry();
        Duration pending = Duration.between(last == null || last.getKey().isBefore(since) ? since : last.getKey(), Instant.now()).minus(TICK);
        return stall(pending) ? lost.plus(pending) : lost;
    }

    private static boolean stall(Duration late) {
        return late.compareTo(STALL) >= 0;
    }

    @Override
    public void close() {
        ticker.interrupt();
    }
}
