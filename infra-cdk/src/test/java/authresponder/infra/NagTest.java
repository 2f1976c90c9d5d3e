package authresponder.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** cdk-nag's AwsSolutions pack finds nothing that is not suppressed with its reason, with SnapStart off and on. */
class NagTest {
    @Test
    void noUnsuppressedFindings() {
        List<String> findings = new ArrayList<>();
        List<Stack> stacks = new ArrayList<>();
        for (Synthesized app : Synthesized.all()) {
            stacks.add(app.deployment.responder());
            stacks.addAll(app.deployment.alarms());
        }
        for (Stack stack : stacks) {
            Annotations annotations = Annotations.fromStack(stack);
            for (SynthesisMessage m : annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))) {
                findings.add(stack.getStackName() + " ERROR " + m.getId() + ": " + m.getEntry().getData());
            }
            for (SynthesisMessage m : annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))) {
                findings.add(stack.getStackName() + " WARNING " + m.getId() + ": " + m.getEntry().getData());
            }
        }
        assertEquals(List.of(), findings, String.join("\n", findings));
    }
}
