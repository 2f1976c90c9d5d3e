package authresponder.watchkeys;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.Lazy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Informational notices to the owning team's SNS topic (the team from the runbooks, its topic from
 * {@code ESCALATION_TOPICS}, the setting escalate pages through): a key change and what was done about it,
 * a provider that fails, a provider that answers again. Not a page: no severity above INFO.
 */
final class Notices {
    static final String TOPICS = "ESCALATION_TOPICS";
    private static final Duration PUBLISH_CAP = Duration.ofSeconds(5);

    private final String team;
    private final String topicArn;
    /** Built on the first notice: most runs have nothing to tell. */
    private final Lazy<SnsClient> sns;

    Notices(Env env, AwsClients clients, String team) {
        this.sns = Lazy.of(() -> clients.build(SnsClient.builder()));
        this.team = team;
        this.topicArn = topicOf(env, team);
    }

    /** The team's topic in "team=topic-arn,team=topic-arn"; null when the setting or the team is absent. */
    private static String topicOf(Env env, String team) {
        String topic = null;
        for (String pair : env.list(TOPICS, List.of())) {
            String[] parts = pair.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || !parts[1].strip().startsWith("arn:") || !parts[1].contains(":sns:")) {
                throw new ConfigException(TOPICS + " must be team=sns-topic-arn pairs separated by commas, got '" + pair + "'");
            }
            if (parts[0].strip().equals(team)) {
                topic = parts[1].strip();
            }
        }
        return topic;
    }

    String team() {
        return team;
    }

    /** Why a notice cannot be sent, or null when it can. */
    String unavailable() {
        return topicArn == null ? TOPICS + " has no topic for team " + team + ": no notice was sent" : null;
    }

    /** Publishes one notice; returns SNS's message id. Throws what SNS threw. */
    String publish(String subject, String message, Budget budget) {
        return sns.get().publish(b -> b.topicArn(topicArn)
                        .subject(subject.length() > 99 ? subject.substring(0, 96) + "..." : subject)
                        .message(message)
                        .messageAttributes(Map.of(
                                "team", MessageAttributeValue.builder().dataType("String").stringValue(team).build(),
                                "severity", MessageAttributeValue.builder().dataType("String").stringValue("INFO").build(),
                                "source", MessageAttributeValue.builder().dataType("String").stringValue("watch-keys").build()))
                        .overrideConfiguration(AwsClients.within(budget, PUBLISH_CAP)))
                .messageId();
    }
}
