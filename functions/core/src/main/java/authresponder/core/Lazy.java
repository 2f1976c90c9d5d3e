package authresponder.core;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A value made once and kept, such as an SDK client: made on first use, so a client that only some
 * invocations need costs nothing until then; or, after {@link #startNow()}, made on a thread of its own from
 * that moment, so a client the first event needs is built during the init phase beside the rest of it. A
 * failure to make it is thrown to every caller of {@link #get()}.
 */
public final class Lazy<T> implements Supplier<T> {
    private final FutureTask<T> making;
    private final Consumer<T> priming;
    private final AtomicBoolean started = new AtomicBoolean();

    private Lazy(Supplier<T> make, Consumer<T> priming) {
        this.making = new FutureTask<>(make::get);
        this.priming = priming;
    }

    public static <T> Lazy<T> of(Supplier<T> make) {
        return new Lazy<>(make, value -> {});
    }

    /** One whose {@link #prime()} also exercises the value once made: for a client, a rehearsal of its first call. */
    public static <T> Lazy<T> of(Supplier<T> make, Consumer<T> priming) {
        return new Lazy<>(make, priming);
    }

    /** Makes the value, unless it is made, and exercises it as its owner said: what priming does before a snapshot. */
    public void prime() {
        priming.accept(get());
    }

    /** Starts making the value on a daemon thread, unless that has begun already. */
    public Lazy<T> startNow() {
        if (started.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("init-" + Thread.currentThread().getName()).start(making);
        }
        return this;
    }

    @Override
    public T get() {
        making.run(); // makes it on this thread, unless it is made or being made
        try {
            return making.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException unchecked -> throw unchecked;
                case Error error -> throw error;
                default -> throw new IllegalStateException(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a value was being made", e);
        }
    }
}
