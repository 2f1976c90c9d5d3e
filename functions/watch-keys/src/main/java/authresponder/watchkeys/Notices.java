package authresponder.watchkeys;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Env;
import authresponder.core.Lazy;
import authresponder.core.TeamTopics;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Informational notices to the owning team's SNS topic (the team from the runbooks, its topic from
 * {@code ESCALATION_TOPICS}, the setting escalate pages through): a key change and what was done about it,
 * a provider that fails, a provider that answers again. Not a page: no severity above INFO.
 */
final class Notices {
    private static final Duration PUBLISH_CAP = Duration.ofSeconds(5);

    private final String team;
    private final String topicArn;
    /** Built on the first notice: most runs have nothing to tell. */
    private final Lazy<SnsClient> sns;

    Notices(Env env, AwsClients clients, String team) {
        this.sns = Lazy.of(() -> clients.build(SnsClient.builder()));
        this.team = team;
        this.topicArn = TeamTopics.from(env).topic(team).orElse(null);
    }

    String team() {
        return team;
    }

    /** Why a notice cannot be sent, or null when it can. */
    String unavailable() {
        return topicArn == null ? TeamTopics.SETTING + " has no topic for team " + team + ": no notice was sent" : null;
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
