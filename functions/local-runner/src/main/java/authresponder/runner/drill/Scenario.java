package authresponder.runner.drill;

import authresponder.core.policy.Verdict;
import authresponder.testkit.LocalIdp;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One incident the drill replays: what breaks, how the alarms arrive, and what the product must make of it.
 *
 * @param fault    what else breaks while the product responds (before a function runs)
 * @param expected what a correct run shows
 */
record Scenario(String name, String title, Incident incident, Pressure pressure, Delivery delivery, Fault fault, Expected expected) {

    Scenario(String name, String title, Incident incident, Pressure pressure, Delivery delivery, Expected expected) {
        this(name, title, incident, pressure, delivery, Fault.NONE, expected);
    }
    /** The drill's provider name for watch-keys (WATCH_KEYS_PROVIDERS). */
    static final String PROVIDER = "main";

    /** What goes wrong in the world; returns one line for the timeline. */
    @FunctionalInterface
    interface Incident {
        String happen(Stage stage);
    }

    /** What keeps happening while the product responds (new sign-ins that keep the cache evicting); stopped by close(). */
    @FunctionalInterface
    interface Pressure {
        AutoCloseable start(Stage stage);

        Pressure NONE = stage -> () -> { };
    }

    /** Something that breaks just before a function runs (Lambda's attempt of it): a step of the chain fails. */
    @FunctionalInterface
    interface Fault {
        void before(Stage stage, String function, Timeline timeline);

        Fault NONE = (stage, function, timeline) -> { };
    }

    /** How long the cache stops answering in flush-cache-unreachable: past flush-cache's 5 s read timeout. */
    static final Duration CACHE_PAUSE = Duration.ofSeconds(7);

    /** How the composite alarm's state changes reach the functions. */
    enum Delivery {
        /** One ALARM. */
        ONCE,
        /** The alarm flaps ALARM, OK, ALARM, OK, ALARM within a minute; the asynchronous invocations run at once. */
        FLAPPING,
        /**
         * No alarm must fire: watch-keys' schedule notices the provider's new key before it signs with it, then the
         * provider starts signing with it (users sign in again) and the authoriser must accept every token.
         */
        WATCHED
    }

    /**
     * @param verdict     the diagnosis, or null when no alarm may fire at all
     * @param done        the actions that must end DONE, each as often as listed (watch-keys' own run counts as one)
     * @param paged       the teams that must be paged, and no other
     * @param mitigated   whether the 401s must be gone without a person
     * @param keysKept    whether the cached JWKS must be exactly as before (nothing flushed)
     */
    record Expected(Verdict verdict, List<String> done, Set<String> paged, boolean mitigated, boolean keysKept) {}

    static final Duration SKEW = Duration.ofMinutes(-20);
    static final double SIGNED_IN_AGAIN = 0.3;

    static List<Scenario> all() {
        return List.of(
                new Scenario("key-rotation", "The identity provider rotates its signing key; the cached JWKS does not have the new one",
                        Scenario::rotateKeys, Pressure.NONE, Delivery.ONCE,
                        new Expected(Verdict.STALE_KEY_CACHE, List.of("flush-jwks", "restart-authoriser"), Set.of(), true, false)),
                new Scenario("clock-skew", "The identity provider's clock runs 20 minutes behind: fresh tokens arrive already expired",
                        stage -> {
                            stage.idp.dateSkew(SKEW);
                            stage.signInAgain(SIGNED_IN_AGAIN, i -> stage.idp.token().subject("user-" + i).shifted(SKEW).sign());
                            return "IdP clock 20 min behind (Date header and token times); " + share(stage) + " users signed in again";
                        }, Pressure.NONE, Delivery.ONCE,
                        new Expected(Verdict.CLOCK_SKEW, List.of("page"), Set.of("auth-team"), false, true)),
                new Scenario("idp-outage", "The identity provider answers 500: sessions cannot renew their tokens",
                        stage -> {
                            stage.idp.mode(LocalIdp.Mode.ERROR_500);
                            stage.signInAgain(SIGNED_IN_AGAIN, i -> stage.idp.token().subject("user-" + i).shifted(Duration.ofMinutes(-16)).sign());
                            return "IdP discovery and JWKS answer 500; " + share(stage) + " users hold tokens they could not renew";
                        }, Pressure.NONE, Delivery.ONCE,
                        new Expected(Verdict.IDP_UNAVAILABLE, List.of("page"), Set.of("identity-platform"), false, true)),
                new Scenario("session-eviction", "The session cache fills up and evicts sessions: users loop on the login page",
                        Scenario::evictSessions, Scenario::keepSigningIn, Delivery.ONCE,
                        new Expected(Verdict.SESSION_CACHE_PRESSURE, List.of("page"), Set.of("identity-platform"), false, true)),
                new Scenario("flapping", "A key rotation, and the alarm flaps: ALARM, OK, ALARM, OK, ALARM, delivered at once",
                        Scenario::rotateKeys, Pressure.NONE, Delivery.FLAPPING,
                        new Expected(Verdict.STALE_KEY_CACHE, List.of("flush-jwks", "restart-authoriser"), Set.of(), true, false)),
                new Scenario("watched-rotation", "The identity provider pre-publishes a new key; watch-keys acts before it signs with it",
                        stage -> {
                            stage.idp.addRsaKey("rsa-2");
                            return "IdP published rsa-2 (not signing with it yet)";
                        }, Pressure.NONE, Delivery.WATCHED,
                        new Expected(null, List.of("watch-keys"), Set.of(), true, false)),
                new Scenario("recent-deploy", "A release of the authoriser changes the audience it accepts",
                        stage -> {
                            stage.releaseAuthoriser("auth-api-v2");
                            return "authoriser redeployed minutes ago, now accepting only audience auth-api-v2";
                        }, Pressure.NONE, Delivery.ONCE,
                        new Expected(Verdict.RECENT_DEPLOY, List.of("page"), Set.of("auth-team"), false, true)),
                new Scenario("cache-unreachable", "A key rotation, and the cache stops answering just as flush-cache starts",
                        Scenario::rotateKeys, Pressure.NONE, Delivery.ONCE,
                        (stage, function, timeline) -> {
                            if (function.equals("flush-cache")) {
                                stage.pauseCache(CACHE_PAUSE);
                                timeline.note("incident", "the cache stops answering for " + CACHE_PAUSE.toSeconds() + " s (Redis CLIENT PAUSE ALL)");
                            }
                        },
                        new Expected(Verdict.STALE_KEY_CACHE, List.of("page"), Set.of("identity-platform"), false, true)),
                new Scenario("restart-refused", "A key rotation, and the authoriser runs SnapStart with no alias to restart through",
                        stage -> {
                            stage.snapStartAuthoriser();
                            return rotateKeys(stage) + "; the authoriser runs with SnapStart on published versions, and"
                                    + " RESTART_TARGETS names no alias";
                        }, Pressure.NONE, Delivery.ONCE,
                        new Expected(Verdict.STALE_KEY_CACHE, List.of("flush-jwks", "page"), Set.of("identity-platform"), false, false)));
    }

    private static String rotateKeys(Stage stage) {
        stage.idp.addRsaKey("rsa-2");
        stage.signInAgain(SIGNED_IN_AGAIN, i -> stage.idp.token("rsa-2").subject("user-" + i).sign());
        return "IdP published rsa-2 and signs new tokens with it; " + share(stage) + " users signed in again";
    }

    /** New sign-ins fill the cache past maxmemory; Redis evicts the sessions closest to expiry (volatile-ttl). */
    private static String evictSessions(Stage stage) {
        long used = usedMemory(stage);
        stage.redis.configSet("maxmemory", String.valueOf(used + 512 * 1024));
        String padding = "x".repeat(900);
        try (var pipeline = stage.redis.pipelined()) {
            for (int i = 0; i < 3_000; i++) {
                pipeline.setex("session:burst-" + i, Duration.ofHours(12).toSeconds(), "{\"sub\":\"burst-" + i + "\",\"pad\":\"" + padding + "\"}");
            }
            pipeline.sync();
        }
        // Redis goes on evicting in the background until it is under maxmemory again: let it settle, so what
        // the drill counts afterwards is what the product did, not what Redis was still doing.
        for (int i = 0; i < 50 && usedMemory(stage) > used + 512 * 1024; i++) {
            sleep(100);
        }
        return "a burst of 3000 sign-ins into a cache capped at " + (used / 1024 / 1024 + 1) + " MiB";
    }

    /** Sign-ins keep arriving (about 2000 a second), so the full cache keeps evicting while diagnose measures it. */
    private static AutoCloseable keepSigningIn(Stage stage) {
        String padding = "x".repeat(900);
        Thread writer = Thread.ofPlatform().daemon().name("drill-sign-ins").start(() -> {
            for (int batch = 0; !Thread.currentThread().isInterrupted(); batch++) {
                try (var pipeline = stage.redis.pipelined()) {
                    for (int i = 0; i < 20; i++) {
                        pipeline.setex("session:later-" + batch + "-" + i, Duration.ofHours(12).toSeconds(), "{\"pad\":\"" + padding + "\"}");
                    }
                    pipeline.sync();
                } catch (RuntimeException stopping) {
                    return;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return () -> {
            writer.interrupt();
            writer.join(2000);
        };
    }

    private static long usedMemory(Stage stage) {
        return Long.parseLong(stage.redis.info("memory").lines().filter(l -> l.startsWith("used_memory:")).findFirst()
                .orElseThrow().substring("used_memory:".length()).strip());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String share(Stage stage) {
        return String.valueOf(Math.round(stage.users.size() * SIGNED_IN_AGAIN));
    }
}
