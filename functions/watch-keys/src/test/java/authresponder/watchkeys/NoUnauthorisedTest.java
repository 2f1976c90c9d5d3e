package authresponder.watchkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import authresponder.core.FunctionHandler.Answer;
import authresponder.core.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The point of watch-keys: an authoriser that reads the cached JWKS accepts every token across a rotation.
 * The provider publishes its new key ahead of signing with it (as providers do); watch-keys notices within a
 * run; by the time the provider signs with the new key, the cache has been refilled with it. The same story
 * without watch-keys is told first, so the test shows the 401s it prevents.
 */
class NoUnauthorisedTest {
    private final Fixture world = new Fixture();

    @AfterEach
    void close() {
        world.close();
    }

    /** Every status the authoriser answers for a batch of users signing in with the provider's current key. */
    private List<Integer> signIns(String kid, int users) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            statuses.add(world.authoriser.validate(world.idp.token(kid).subject("user-" + i).sign()));
        }
        return statuses;
    }

    @Test
    void withoutWatchKeysTheRotationTurnsIntoUnauthorised() throws Exception {
        assertTrue(signIns("rsa-1", 5).stream().allMatch(status -> status == 200));
        world.idp.addRsaKey("rsa-2");
        List<Integer> afterRotation = signIns("rsa-2", 5);
        assertTrue(afterRotation.stream().allMatch(status -> status == 401), "the stale cache rejects every new token: " + afterRotation);
    }

    @Test
    void afterARotationWatchKeysDetectedTheAuthoriserAcceptsEveryNewToken() throws Exception {
        world.schedule();
        List<Integer> statuses = new ArrayList<>(signIns("rsa-1", 5));
        world.idp.addRsaKey("rsa-2");
        statuses.addAll(signIns("rsa-1", 5)); // published, not yet signing with it

        Answer detected = world.schedule();
        assertEquals(Outcome.DONE, detected.result().outcome(), detected.response());

        statuses.addAll(signIns("rsa-2", 20)); // the provider now signs with the new key
        world.idp.retire("rsa-1");
        Answer retired = world.schedule();
        // the flush of a minute ago still cools down: the retirement waits for the next run, harmlessly, since
        // the cache holds every key the provider signs with
        assertEquals(Outcome.COOLDOWN, retired.result().outcome(), retired.response());
        statuses.addAll(signIns("rsa-2", 20));

        assertEquals(List.of(), statuses.stream().filter(status -> status != 200).toList(), "no 401 at all");
        assertEquals(2, world.authoriser.fetches(), "one fetch to warm the cache, one after the flush");
    }

    @Test
    void afterNewMaterialUnderTheSameKidTheAuthoriserAcceptsEveryNewToken() throws Exception {
        world.schedule();
        assertEquals(List.of(200, 200, 200), signIns("ec-1", 3));
        world.idp.replaceMaterial("ec-1");

        Answer detected = world.schedule();
        assertEquals(Outcome.DONE, detected.result().outcome(), detected.response());

        assertEquals(List.of(), signIns("ec-1", 20).stream().filter(status -> status != 200).toList(),
                "tokens signed with the new material under the old kid: no 401");
    }
}
