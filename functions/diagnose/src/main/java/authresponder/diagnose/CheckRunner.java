package authresponder.diagnose;

import authresponder.core.Budget;
import authresponder.core.Redact;
import authresponder.diagnose.CheckReport.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 * that needs another's fact ({@link Running#await}) is started after it: its budget starts when its own
 * work starts, so a slow discovery does not eat the JWKS request's time.
 *
 * <p>A check that failed at its deadline while this process was starved (its threads ran late, as {@link Lag}
 * measures, for a quarter of the check's budget or more) is not a verdict on its dependency: it is
 * reported SKIPPED, "ran out of time on our side", so that no rule blames the IdP or the cache for our
 * own slowness, and the verdict says what was not checked.
 */
final class CheckRunner implements AutoCloseable {
    /** Lets a check that ends right at its deadline still be counted as finished. */
    private static final Duration GRACE = Duration.ofMillis(50);

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Lag lag = Lag.start();
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

    /** Starts a check now, or once the checks it awaits have ended (each within its own deadline). */
    <F> Running<F> start(String name, Check<F> check, Running<?>... after) {
        Running<F> running = new Running<>(name, check, List.of(after), this);
        if (oneByOne) {
            running.finding();
        }
        return running;
    }

    /** Checks still running at the end (their deadlines passed) are interrupted. */
    @Override
    public void close() {
        threads.shutdownNow();
        lag.close();
    }

    static final class Running<F> {
        private final String name;
        private final CheckRunner runner;
        /** When the check's own work began, and its budget: after the checks it awaits. */
        private final CompletableFuture<Start> begun = new CompletableFuture<>();
        private final CompletableFuture<Timed<F>> result = new CompletableFuture<>();
        private final Future<?> task;

        private record Timed<F>(Finding<F> finding, Duration duration) {}

        private record Start(Budget budget, Instant at, Duration allowed) {}

        private Running(String name, Check<F> check, List<Running<?>> after, CheckRunner runner) {
            this.name = name;
            this.runner = runner;
            this.task = runner.threads.submit(() -> {
                after.forEach(Running::timed);
                Budget budget = runner.invocation.slice(runner.cap);
                Start start = new Start(budget, Instant.now(), budget.remaining());
                begun.complete(start);
                Finding<F> finding = safely(check, budget);
                result.complete(new Timed<>(judged(finding, start), Duration.between(start.at(), Instant.now())));
            });
        }

        private Finding<F> safely(Check<F> check, Budget budget) {
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

        /** A failure at the deadline while this process was starved says nothing about what the check asked. */
        private Finding<F> judged(Finding<F> finding, Start start) {
            boolean atDeadline = Duration.between(start.at(), Instant.now()).compareTo(start.allowed().minus(GRACE.multipliedBy(2))) >= 0;
            if (finding.status() != Status.FAIL || !atDeadline) {
                return finding;
            }
            Duration lost = runner.lag.lostSince(start.at());
            if (lost.compareTo(start.allowed().dividedBy(4)) < 0) {
                return finding;
            }
            return new Finding<>(Status.SKIPPED, "ran out of time on our side: this process was busy (its threads ran " + lost.toMillis()
                    + " ms late within the check's " + start.allowed().toMillis() + " ms), so nothing is concluded from it (" + finding.summary() + ")",
                    finding.evidence(), null);
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
            Start start = null;
            try {
                start = begun.get(runner.invocation.remaining().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
                return result.get(start.budget().remaining().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                task.cancel(true);
                Finding<F> late = start == null ? Finding.fail("not started: the checks it needs took the invocation's time", null)
                        : judged(Finding.fail("no result within its budget of " + start.allowed().toMillis() + " ms", null), start);
                result.complete(new Timed<>(late, start == null ? Duration.ZERO : Duration.between(start.at(), Instant.now())));
                return result.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                task.cancel(true);
                return new Timed<>(Finding.fail("the diagnosis was interrupted", null), Duration.ZERO);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
