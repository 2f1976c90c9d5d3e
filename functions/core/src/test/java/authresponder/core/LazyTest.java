package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyTest {
    @Test
    void makesTheValueOnFirstUseOnlyAndKeepsIt() {
        AtomicInteger made = new AtomicInteger();
        Lazy<Object> value = Lazy.of(() -> {
            made.incrementAndGet();
            return new Object();
        });
        assertEquals(0, made.get());
        Object first = value.get();
        assertSame(first, value.get());
        assertEquals(1, made.get());
    }

    @Test
    void primeMakesTheValueOnceAndExercisesItEachTime() {
        AtomicInteger made = new AtomicInteger();
        List<Object> exercised = new ArrayList<>();
        Lazy<Object> value = Lazy.of(() -> made.incrementAndGet(), exercised::add);
        value.prime();
        value.prime();
        assertEquals(1, made.get());
        assertEquals(List.of(1, 1), exercised);
        assertEquals(1, value.get());
    }

    @Test
    void startNowMakesItOnAnotherThreadOnceAndGetWaitsForIt() throws Exception {
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger made = new AtomicInteger();
        Lazy<Thread> value = Lazy.of(() -> {
            made.incrementAndGet();
            making.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Thread.currentThread();
        });
        assertSame(value, value.startNow());
        value.startNow();
        assertTrue(making.await(5, TimeUnit.SECONDS), "started without anyone asking for it");
        Thread waiting = Thread.ofPlatform().start(value::get);
        release.countDown();
        Thread maker = value.get();
        waiting.join(5_000);
        assertNotEquals(Thread.currentThread(), maker);
        assertTrue(maker.isDaemon(), "a maker thread must never keep the JVM alive");
        assertEquals(1, made.get());
    }

    @Test
    void aFailureToMakeItReachesEveryCaller() {
        Lazy<Object> value = Lazy.of(() -> {
            throw new ConfigException("AWS_REGION is not set");
        }).startNow();
        assertEquals("AWS_REGION is not set", assertThrows(ConfigException.class, value::get).getMessage());
        assertEquals("AWS_REGION is not set", assertThrows(ConfigException.class, value::get).getMessage());
    }
}
