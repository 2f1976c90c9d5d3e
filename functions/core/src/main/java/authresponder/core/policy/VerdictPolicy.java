package authresponder.core.policy;

import java.util.List;

/**
 * What follows from a verdict.
 *
 * @param actions  the automatic actions, in order; each runs only when the previous one ended well
 *                 (see {@link Routing.Chain}); {@code page} pages {@code team}
 * @param team     who is paged for this verdict, and when one of its actions fails
 * @param severity the page's severity
 * @param advice   the first thing the paged person should read and do
 */
public record VerdictPolicy(List<String> actions, String team, Severity severity, String advice) {}
