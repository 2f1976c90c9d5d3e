package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An alarm's region is the one its ARN names: a state change forwarded from eu-west-2 to the primary region's bus
 * counts for eu-west-2, whatever the delivered copy's {@code region} says (moto rewrites it to the receiving region;
 * whether AWS does cannot be checked offline).
 */
class AlarmRegionTest {
    private static JsonObject sample() throws Exception {
        return Json.parseObject(Files.readString(Path.of("../../events-samples/alarms/auth-error-rate-alarm.json")), "sample");
    }

    @Test
    void theAlarmsArnNamesItsRegionOverTheDeliveredCopysRegion() throws Exception {
        JsonObject event = sample();
        event.addProperty("region", "us-east-1");
        assertEquals("eu-west-2", AlarmEvent.from(event).region());
    }

    @Test
    void withoutAnAlarmArnTheEventsRegionIsAllThereIs() throws Exception {
        JsonObject event = sample();
        event.add("resources", new JsonArray());
        event.addProperty("region", "us-east-1");
        assertEquals("us-east-1", AlarmEvent.from(event).region());

        JsonArray notAnAlarm = new JsonArray();
        notAnAlarm.add("arn:aws:sns:eu-west-1:123456789012:topic");
        event.add("resources", notAnAlarm);
        assertEquals("us-east-1", AlarmEvent.from(event).region(), "only a CloudWatch ARN names the alarm's region");
    }
}
