package authresponder.core;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A value made once and kept, such as an SDK client: made on first use, so a client that only some
 * invocations need costs nothing until then; or, after {@link #startNow()}, made on a thread of its own from
 * that moment, so a client the first event needs is built during the init phase beside the rest of it. A
 * failure to make it is thrown to every caller of {@link #get()}.
 */
public final class Lazy<T> implements Supplier<T> {
    private final FutureTask<T> making;
    private final AtomicBoolean started = new AtomicBoolean();

    private Lazy(Supplier<T> make) {
        this.making = new FutureTask<>(make::get);
    }

    public static <T> Lazy<T> of(Supplier<T> make) {
        return new Lazy<>(make);
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
