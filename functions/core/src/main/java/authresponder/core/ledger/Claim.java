package authresponder.core.ledger;

import authresponder.core.Json;
import authresponder.core.Outcome;
import authresponder.core.Result;
import com.google.gson.JsonElement;
import java.time.Instant;
import java.util.List;

/** What the ledger answers to a {@link Request}: go ahead, or a ready answer that acts on nothing. */
public sealed interface Claim {

    /** May act now: {@link Granted} (the lock is held) or {@link DryRun} (nothing will change). */
    sealed interface Go extends Claim {
        Request request();

        Instant at();
    }

    /** Will not act: the answer to give instead, with no details. */
    sealed interface Stop extends Claim {
        <D> Result<D> answer(Class<D> detailsType);
    }

    /** The cooldown lock is ours and the record says "running". Act, then {@link Ledger#complete}. */
    record Granted(Request request, Instant at, String attempt) implements Go {}

    /**
     * A dry run. {@code blockedBy} is the cooldown a real run would meet now (or null); {@code ledgerProblem}
     * says why a real run would be refused (or null).
     */
    record DryRun(Request request, Instant at, Cooldown blockedBy, String ledgerProblem) implements Go {}

    /**
     * The same request (same requestKey) was taken before: answer as it was answered the first time. Not
     * answered yet: IN_PROGRESS while its invocation may still run ({@code running}), REFUSED after that, since
     * it may have acted without recording its end and nothing is done twice.
     */
    record Duplicate(Entry first, JsonElement firstDetails, boolean running) implements Stop {
        @Override
        public <D> Result<D> answer(Class<D> detailsType) {
            String request = "the same request (" + first.caller().requestKey() + ")";
            if (!first.finished() && running) {
                return Result.of(Outcome.IN_PROGRESS, request + " is being handled by another invocation since " + first.at()
                        + "; nothing was done again: its own result tells how it ends", null);
            }
            if (!first.finished()) {
                return Result.of(Outcome.REFUSED, request + " was taken at " + first.at() + " and its invocation ended without recording"
                        + " how: it may have acted. Nothing was done again; check " + first.target() + " and send a new request to act", null);
            }
            D details = firstDetails == null ? null : Json.gson().fromJson(firstDetails, detailsType);
            return Result.of(first.outcome(), first.summary(), details,
                    List.of("repeat of request " + first.caller().requestKey() + " first answered at " + first.at() + ": nothing was done again"));
        }
    }

    /** Someone else acted on this target within its cooldown. */
    record CoolingDown(Request request, Cooldown holder) implements Stop {
        @Override
        public <D> Result<D> answer(Class<D> detailsType) {
            return Result.of(Outcome.COOLDOWN, request.action() + " of " + request.target() + " is cooling down until " + holder.until()
                    + ": " + holder.describe() + "; send force: true with a reason to override", null);
        }
    }

    /** The ledger could not be read or written: no action runs unguarded. A dry run still works. */
    record Unavailable(Request request, String problem) implements Stop {
        @Override
        public <D> Result<D> answer(Class<D> detailsType) {
            return Result.of(Outcome.REFUSED, "refused to " + request.action() + " " + request.target() + ": the action ledger is unavailable ("
                    + problem + ") and no action runs unguarded; a dry run still works", null);
        }
    }

    /**
     * A cooldown lock: who took it, when, and until when it holds. Said as "started it", not "acted": the lock is
     * taken before the action, and an attempt that changed nothing gives it back.
     */
    record Cooldown(String requestKey, String principal, Instant at, Instant until, String reason) {
        String describe() {
            return principal + " (" + requestKey + ") started it at " + at + (reason == null ? "" : ", forced: " + reason);
        }
    }
}
