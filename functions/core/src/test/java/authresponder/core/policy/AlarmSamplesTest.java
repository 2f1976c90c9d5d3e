package authresponder.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.AlarmEvent;
import authresponder.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every alarm sample is read by the core's intake and matches the alarm its runbook defines. */
class AlarmSamplesTest {
    static final Path SAMPLES = Path.of("../../events-samples/alarms");

    private final Policy policy = Policy.bundled();

    static List<Path> samples() throws IOException {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static AlarmEvent read(Path sample) throws IOException {
        return AlarmEvent.from(Json.parseObject(Files.readString(sample), sample.toString()));
    }

    @Test
    void everySampleMatchesItsRunbooksAlarm() throws IOException {
        for (Path sample : samples()) {
            AlarmEvent event = read(sample);
            String file = sample.getFileName().toString();
            Alarm alarm = policy.alarm(event.alarmName()).orElseThrow(() -> new AssertionError(file + ": no runbook defines " + event.alarmName()));
            assertEquals(event.alarmName() + "-" + event.state().toLowerCase() + ".json", file, "file named after alarm and state");
            assertEquals(alarm.kind(), event.kind(), file);
            assertTrue(event.alarmArn().endsWith(":alarm:" + alarm.name()), file);
            assertTrue(event.metrics().containsAll(alarm.metricNames()), file + " reads " + event.metrics());
            assertEquals(alarm.effectiveThreshold(), event.threshold(), file);
            if (alarm.kind() == AlarmEvent.Kind.METRIC_MATH) {
                assertTrue(event.metrics().contains(alarm.expression()), file);
            }
            if (alarm.kind() == AlarmEvent.Kind.COMPOSITE) {
                assertFalse(event.triggeringAlarms().isEmpty(), file);
                assertTrue(alarm.children().containsAll(event.triggeringAlarms()), file);
            } else {
                assertFalse(event.recentDatapoints().isEmpty(), file);
                boolean crossed = event.recentDatapoints().stream().anyMatch(d -> breaches(alarm, event, d));
                assertEquals(event.inAlarm(), crossed, file + ": the datapoints must agree with the state");
            }
        }
    }

    @Test
    void everyAlarmHasAnAlarmAndAnOkSampleAndEveryKindDefinedIsCovered() throws IOException {
        Set<String> seen = new HashSet<>();
        Set<AlarmEvent.Kind> kinds = EnumSet.noneOf(AlarmEvent.Kind.class);
        for (Path sample : samples()) {
            AlarmEvent event = read(sample);
            seen.add(event.alarmName() + "/" + event.state());
            kinds.add(event.kind());
        }
        for (Alarm alarm : policy.alarms()) {
            assertTrue(seen.contains(alarm.name() + "/ALARM"), "no ALARM sample for " + alarm.name());
            assertTrue(seen.contains(alarm.name() + "/OK"), "no OK sample for " + alarm.name());
        }
        Set<AlarmEvent.Kind> defined = EnumSet.noneOf(AlarmEvent.Kind.class);
        policy.alarms().forEach(alarm -> defined.add(alarm.kind()));
        assertEquals(defined, kinds, "a sample of every kind of alarm the runbooks define");
    }

    private static boolean breaches(Alarm alarm, AlarmEvent event, double value) {
        if (alarm.kind() == AlarmEvent.Kind.ANOMALY_DETECTION) {
            var upper = event.reasonData().getAsJsonArray("recentUpperThresholds");
            return value > upper.get(0).getAsDouble();
        }
        double threshold = alarm.effectiveThreshold();
        return switch (alarm.comparison()) {
            case GreaterThanThreshold -> value > threshold;
            case GreaterThanOrEqualToThreshold -> value >= threshold;
            case LessThanThreshold -> value < threshold;
            case LessThanOrEqualToThreshold -> value <= threshold;
            default -> throw new AssertionError(alarm.comparison());
        };
    }
}
