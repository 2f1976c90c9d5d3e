package authresponder.diagnose;

import authresponder.core.policy.Verdict;
import java.util.List;

/**
 * The rules' answer: the verdict, how sure, the one-line reason, the evidence for and against, and what to do.
 *
 * @param alsoSuspected other verdicts whose evidence is present too, strongest first
 */
public record Decision(
        Verdict verdict,
        Confidence confidence,
        String headline,
        List<String> evidenceFor,
        List<String> evidenceAgainst,
        RecommendedAction recommendedAction,
        List<Verdict> alsoSuspected) {

    public enum Confidence { HIGH, MEDIUM, LOW }

    public Decision {
        evidenceFor = List.copyOf(evidenceFor);
        evidenceAgainst = List.copyOf(evidenceAgainst);
        alsoSuspected = List.copyOf(alsoSuspected);
    }

    /** The verdict line: what a person paged at 3 a.m. reads first. */
    public String line() {
        return line(verdict, confidence, headline, recommendedAction);
    }

    static String line(Verdict verdict, Confidence confidence, String headline, RecommendedAction next) {
        return verdict + " (" + confidence.name().toLowerCase() + " confidence): " + headline + ". Next: " + next.describe();
    }
}
