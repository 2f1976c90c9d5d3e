package authresponder.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Each on-call team's SNS topic, from {@code ESCALATION_TOPICS} ("team=topic-arn,team=topic-arn"): read the
 * same way by escalate, which pages through them, and watch-keys, which sends its notices there.
 */
public final class TeamTopics {
    public static final String SETTING = "ESCALATION_TOPICS";
    private static final Pattern TOPIC_ARN = Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}");

    private final Map<String, String> topics;

    private TeamTopics(Map<String, String> topics) {
        this.topics = topics;
    }

    /** The configured topics; none when the setting is absent. Every pair is checked, whichever team a caller wants. */
    public static TeamTopics from(Env env) {
        Map<String, String> topics = new LinkedHashMap<>();
        for (String pair : env.list(SETTING, java.util.List.of())) {
            String[] parts = pair.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || !TOPIC_ARN.matcher(parts[1].strip()).matches()) {
                throw new ConfigException(SETTING + " must be team=sns-topic-arn pairs separated by commas, got '" + pair + "'");
            }
            topics.put(parts[0].strip(), parts[1].strip());
        }
        return new TeamTopics(Map.copyOf(topics));
    }

    public Optional<String> topic(String team) {
        return Optional.ofNullable(topics.get(team));
    }

    public Set<String> teams() {
        return topics.keySet();
    }
}
