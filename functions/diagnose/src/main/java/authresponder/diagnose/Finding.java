package authresponder.diagnose;

import authresponder.diagnose.CheckReport.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one check returns: its report line and evidence, and the typed fact the verdict rules read
 * (null when the check could not establish it).
 */
record Finding<F>(Status status, String summary, Map<String, Object> evidence, F fact) {
    Finding {
        evidence = evidence == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    }

    static <F> Finding<F> ok(String summary, Map<String, Object> evidence, F fact) {
        return new Finding<>(Status.OK, summary, evidence, fact);
    }

    static <F> Finding<F> warn(String summary, Map<String, Object> evidence, F fact) {
        return new Finding<>(Status.WARN, summary, evidence, fact);
    }

    static <F> Finding<F> fail(String summary, Map<String, Object> evidence) {
        return new Finding<>(Status.FAIL, summary, evidence, null);
    }

    static <F> Finding<F> skipped(String summary) {
        return new Finding<>(Status.SKIPPED, summary, Map.of(), null);
    }
}
