package authresponder.watchkeys;

import java.time.Duration;
import java.time.Instant;

/**
 * What watch-keys remembers of one provider between runs.
 *
 * @param keys         the signing keys the caches were last brought in line with; null before the first good fetch
 * @param version      bumped by every write, so that two invocations at once cannot both act on one change
 * @param seenAt       when {@code keys} were recorded
 * @param failingSince when the provider started failing, null while it answers
 * @param failure      what its last failure was, null while it answers
 * @param noticeAt     when the team was last told of a problem with it (at most once per notice window)
 */
record WatchState(SigningKeys keys, long version, Instant seenAt, Instant failingSince, String failure, Instant noticeAt) {
    static final WatchState NONE = new WatchState(null, 0, null, null, null, null);

    WatchState at(long stored) {
        return new WatchState(keys, stored, seenAt, failingSince, failure, noticeAt);
    }

    WatchState withKeys(SigningKeys fresh, Instant at) {
        return new WatchState(fresh, version, at, null, null, noticeAt);
    }

    /** Failing from now on, for this reason. */
    WatchState failing(String problem, Instant at) {
        return new WatchState(keys, version, seenAt, at, problem, noticeAt);
    }

    WatchState answering() {
        return new WatchState(keys, version, seenAt, null, null, noticeAt);
    }

    WatchState noticed(Instant at) {
        return new WatchState(keys, version, seenAt, failingSince, failure, at);
    }

    /** A problem may be told again once the window since the last notice has passed. */
    boolean noticeDue(Instant now, Duration window) {
        return noticeAt == null || !now.isBefore(noticeAt.plus(window));
    }

    /** The provider was failing and the team was told during that failure. */
    boolean failureWasTold() {
        return failingSince != null && noticeAt != null && !noticeAt.isBefore(failingSince);
    }
}
