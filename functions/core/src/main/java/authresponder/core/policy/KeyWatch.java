package authresponder.core.policy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What watch-keys does when an identity provider's signing keys change.
 *
 * @param team         the team told about each change and each failing provider: an informational notice, not a page
 * @param actions      per kind of change, the actions (routing.json) that bring the caches in line, in order;
 *                     each runs only when the one before ended as the chain continues ({@link Routing.Chain#continueOn()})
 * @param noticeWindow a failing provider, or a change the actions could not complete, is told at most once per window
 */
public record KeyWatch(String team, Map<KeyChange, List<String>> actions, Duration noticeWindow) {}
