package authresponder.escalate;

import authresponder.core.AwsClients;
import authresponder.core.Env;
import authresponder.core.ledger.Ledger;
import authresponder.testkit.LedgerTable;
import authresponder.testkit.MotoServer;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The on-call side in moto: an SNS topic per team, each with an SQS queue subscribed (raw delivery off,
 * so a test reads the very envelope a subscriber gets), and a fresh ledger table. Names are unique per
 * instance, so tests share one moto without resetting it.
 */
final class OnCall implements AutoCloseable {
    static final List<String> TEAMS = List.of("iam-security", "identity-platform", "auth-team", "backend");

    final Map<String, String> topics = new LinkedHashMap<>();
    final String table = "ledger-" + UUID.randomUUID();
    final DynamoDbClient dynamo;
    private final Map<String, String> queues = new HashMap<>();
    private final SnsClient sns;
    private final SqsClient sqs;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    OnCall() {
        AwsClients clients = new AwsClients(new Env(MotoServer.shared().awsEnvironment()));
        sns = clients.build(SnsClient.builder());
        sqs = clients.build(SqsClient.builder());
        dynamo = clients.build(DynamoDbClient.builder());
        LedgerTable.create(dynamo, table, Ledger.TIME_INDEX);
        for (String team : TEAMS) {
            topics.put(team, topic(team));
        }
    }

    /** Creates (or finds: CreateTopic is idempotent) the team's topic with its subscribed queue. */
    String topic(String team) {
        String topic = sns.createTopic(b -> b.name("oncall-" + team + "-" + suffix)).topicArn();
        String queueUrl = sqs.createQueue(b -> b.queueName("pager-" + team + "-" + suffix)).queueUrl();
        String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(queueArn));
        queues.put(team, queueUrl);
        return topic;
    }

    /** Takes a team's topic away: its ARN stays in the settings, publishing to it fails. */
    void deleteTopic(String team) {
        sns.deleteTopic(b -> b.topicArn(topics.get(team)));
    }

    /** The settings of a handler wired to these topics and this ledger. */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>(MotoServer.shared().awsEnvironment());
        env.put("ESCALATION_TOPICS", topics.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
        env.put("LEDGER_TABLE", table);
        env.put("RUNBOOK_BASE_URL", "https://git.example.com/auth-responder/runbooks/");
        return env;
    }

    /** Every page the team's queue holds now, each the SNS envelope a subscriber receives. */
    List<Envelope> pages(String team) {
        List<Envelope> pages = new ArrayList<>();
        List<Message> batch;
        do {
            batch = sqs.receiveMessage(b -> b.queueUrl(queues.get(team)).maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
            for (Message message : batch) {
                pages.add(new Envelope(JsonParser.parseString(message.body()).getAsJsonObject()));
                sqs.deleteMessage(b -> b.queueUrl(queues.get(team)).receiptHandle(message.receiptHandle()));
            }
        } while (!batch.isEmpty());
        return pages;
    }

    /** The SNS notification as an SQS subscriber receives it. */
    record Envelope(JsonObject json) {
        String subject() {
            return json.get("Subject").getAsString();
        }

        String attribute(String name) {
            return json.getAsJsonObject("MessageAttributes").getAsJsonObject(name).get("Value").getAsString();
        }

        String attributeType(String name) {
            return json.getAsJsonObject("MessageAttributes").getAsJsonObject(name).get("Type").getAsString();
        }

        /** The message: for an SQS subscriber, the page's JSON form. */
        JsonObject message() {
            return JsonParser.parseString(json.get("Message").getAsString()).getAsJsonObject();
        }

        String text() {
            return message().get("text").getAsString();
        }
    }

    @Override
    public void close() {
        dynamo.deleteTable(b -> b.tableName(table));
        topics.values().forEach(topic -> sns.deleteTopic(b -> b.topicArn(topic)));
        queues.values().forEach(queue -> sqs.deleteQueue(b -> b.queueUrl(queue)));
        sns.close();
        sqs.close();
        dynamo.close();
    }
}
