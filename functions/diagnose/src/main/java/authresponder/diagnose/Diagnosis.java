package authresponder.diagnose;

import authresponder.core.policy.Verdict;
import java.util.List;

/**
 * diagnose's result details, verdict first. The next function (flush-cache, escalate) reads
 * {@code details.verdict} and {@code details.recommendedAction} from the Lambda destination payload.
 */
public record Diagnosis(
        Verdict verdict,
        Decision.Confidence confidence,
        String headline,
        RecommendedAction recommendedAction,
        List<String> evidenceFor,
        List<String> evidenceAgainst,
        List<Verdict> alsoSuspected,
        Window window,
        List<CheckReport> checks) {

    /** The verdict line, as the result's summary. */
    public String line() {
        return Decision.line(verdict, confidence, headline, recommendedAction);
    }

    static Diagnosis of(Decision decision, Window window, List<CheckReport> checks) {
        return new Diagnosis(decision.verdict(), decision.confidence(), decision.headline(), decision.recommendedAction(),
                decision.evidenceFor(), decision.evidenceAgainst(), decision.alsoSuspected(), window, List.copyOf(checks));
    }
}
