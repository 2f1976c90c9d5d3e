package authresponder.escalate;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.Lazy;
import authresponder.core.Rehearsal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

/**
 * Publishes a page to a team's SNS topic. A throttle, a 5xx or a broken connection is retried by the SDK's
 * standard retry strategy (3 attempts with backoff), all within the invocation's budget; what still fails
 * is thrown, so the page ends as a FAILED result and never disappears quietly.
 */
final class Pager {
    /** Longest one publish (with its retries) may take when the budget allows more. */
    static final Duration PUBLISH_CAP = Duration.ofSeconds(10);

    /** Built in the background from the init phase of a Lambda environment, else on the first page. */
    private final Lazy<SnsClient> sns;

    Pager(AwsClients clients) {
        sns = Lazy.of(() -> clients.build(SnsClient.builder()
                        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy()))),
                client -> Rehearsal.run(() -> client.getTopicAttributes(r -> r.topicArn("arn:aws:sns:us-east-1:000000000000:rehearsal")
                        .overrideConfiguration(Rehearsal.only()))));
    }

    Lazy<?> client() {
        return sns;
    }

    /** The message id SNS gave the page. */
    String publish(String topicArn, Page page, Budget budget) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        page.attributes().forEach((name, value) ->
                attributes.put(name, MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
        return sns.get().publish(PublishRequest.builder()
                        .topicArn(topicArn)
                        .subject(page.subject())
                        .messageStructure("json")
                        .message(page.message())
                        .messageAttributes(attributes)
                        .overrideConfiguration(AwsClients.within(budget, PUBLISH_CAP))
                        .build())
                .messageId();
    }
}
