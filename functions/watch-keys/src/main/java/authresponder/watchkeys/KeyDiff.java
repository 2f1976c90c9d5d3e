package authresponder.watchkeys;

import authresponder.core.policy.KeyChange;
import java.util.List;

/**
 * One kid's change between two looks at a provider's signing keys.
 *
 * @param before the RFC 7638 thumbprints published under the kid before (empty for an added key)
 * @param after  the thumbprints published under it now (empty for a removed key)
 */
public record KeyDiff(KeyChange change, String kid, List<String> before, List<String> after) {
    String describe() {
        return switch (change) {
            case ADDED -> "key " + kid + " added";
            case REMOVED -> "key " + kid + " removed";
            case MATERIAL_CHANGED -> "key " + kid + " has new material";
        };
    }
}
