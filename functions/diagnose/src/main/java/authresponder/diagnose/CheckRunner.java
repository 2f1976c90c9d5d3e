package authresponder.diagnose;

import authresponder.core.Budget;
import authresponder.core.Redact;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs checks at once, each on its own virtual thread and within its own slice of the invocation's budget.
 * A check that overruns is reported as timed out and interrupted; the others report regardless. A check
 * may wait for another's fact ({@link Running#await}) but never past its own deadline.
 */
final class CheckRunner implements AutoCloseable {
    /** Lets a check that ends right at its deadline still be counted as finished. */
    private static final Duration GRACE = Duration.ofMillis(50);

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Budget invocation;
    private final Duration cap;
    private final boolean oneByOne;

    /** @param oneByOne run each check to its end before the next starts (the benchmark's baseline), instead of all at once */
    CheckRunner(Budget invocation, Duration cap, boolean oneByOne) {
        this.invocation = invocation;
        this.cap = cap;
        this.oneByOne = oneByOne;
    }

    /** The body of one check: it gets its own budget and returns a finding, or throws. */
    @FunctionalInterface
    interface Check<F> {
        Finding<F> run(Budget budget) throws Exception;
    }

    /** A check a dependent one could not do without: reported as SKIPPED with the reason. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    <F> Running<F> start(String name, Check<F> check) {
        Running<F> running = new Running<>(name, invocation.slice(cap), check, threads);
        if (oneByOne) {
            running.finding();
        }
        return running;
    }

    /** Checks still running at the end (their deadlines passed) are interrupted. */
    @Override
    public void close() {
        threads.shutdownNow();
    }

    static final class Running<F> {
        private final String name;
        private final Budget budget;
        private final Instant started = Instant.now();
        private final Duration allowed;
        private final CompletableFuture<Timed<F>> result = new CompletableFuture<>();
        private final Future<?> task;

        private record Timed<F>(Finding<F> finding, Duration duration) {}

        private Running(String name, Budget budget, Check<F> check, ExecutorService threads) {
            this.name = name;
            this.budget = budget;
            this.allowed = budget.remaining();
            this.task = threads.submit(() -> result.complete(new Timed<>(safely(check), Duration.between(started, Instant.now()))));
        }

        private Finding<F> safely(Check<F> check) {
            try {
                return check.run(budget);
            } catch (Unavailable e) {
                return Finding.skipped(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Finding.fail("interrupted at its deadline", null);
            } catch (Exception e) {
                return Finding.fail(e.getClass().getSimpleName() + ": " + Redact.scrub(String.valueOf(e.getMessage())), null);
            }
        }

        String name() {
            return name;
        }

        /** This check's fact for a dependent check, waiting at most until the waiter's deadline. */
        F await(Budget waiter) throws Unavailable, InterruptedException {
            Finding<F> finding;
            try {
                // a little before the waiter's own deadline, so it reports "skipped" rather than "timed out"
                long wait = Math.max(1, waiter.remaining().minus(GRACE).toMillis());
                finding = result.get(wait, TimeUnit.MILLISECONDS).finding();
            } catch (TimeoutException e) {
                throw new Unavailable("no result from " + name + " in time");
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            if (finding.fact() == null) {
                throw new Unavailable(name + ": " + finding.summary());
            }
            return finding.fact();
        }

        /** Waits until this check's deadline: its finding, or a timeout finding. */
        Finding<F> finding() {
            return timed().finding();
        }

        CheckReport report() {
            Timed<F> timed = timed();
            return new CheckReport(name, timed.finding().status(), timed.finding().summary(), timed.duration(), timed.finding().evidence());
        }

        private Timed<F> timed() {
            try {
                return result.get(budget.remaining().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                task.cancel(true);
                Finding<F> late = Finding.fail("no result within its budget of " + allowed.toMillis() + " ms", null);
                result.complete(new Timed<>(late, Duration.between(started, Instant.now())));
                return result.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                task.cancel(true);
                return new Timed<>(Finding.fail("the diagnosis was interrupted", null), Duration.between(started, Instant.now()));
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
