package authresponder.watchkeys;

import authresponder.core.policy.KeyChange;
import authresponder.core.PublishedKeys;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A provider's signing keys as watch-keys compares them: each kid with the RFC 7638 thumbprints of the key
 * material published under it (a kid may name more than one key, e.g. an RSA and an EC key). Only what
 * {@link PublishedKeys} calls a signing key counts; a key with no kid is known by its thumbprint alone.
 *
 * @param byKid kid → thumbprints (SHA-256, base64url), both sorted
 */
record SigningKeys(SortedMap<String, SortedSet<String>> byKid) {
    private static final String NO_KID = "thumbprint:";

    static SigningKeys of(PublishedKeys published) throws JOSEException {
        SortedMap<String, SortedSet<String>> byKid = new TreeMap<>();
        for (JWK key : published.signing()) {
            String thumbprint = key.computeThumbprint().toString();
            String kid = key.getKeyID() != null ? key.getKeyID() : NO_KID + thumbprint;
            byKid.computeIfAbsent(kid, k -> new TreeSet<>()).add(thumbprint);
        }
        return new SigningKeys(byKid);
    }

    /** As stored: kid → thumbprints. */
    static SigningKeys fromStored(Map<String, List<String>> stored) {
        SortedMap<String, SortedSet<String>> byKid = new TreeMap<>();
        stored.forEach((kid, thumbprints) -> byKid.put(kid, new TreeSet<>(thumbprints)));
        return new SigningKeys(byKid);
    }

    Map<String, List<String>> stored() {
        Map<String, List<String>> stored = new TreeMap<>();
        byKid.forEach((kid, thumbprints) -> stored.put(kid, List.copyOf(thumbprints)));
        return stored;
    }

    boolean isEmpty() {
        return byKid.isEmpty();
    }

    List<String> kids() {
        return List.copyOf(byKid.keySet());
    }

    /** What changed from an earlier set to this one, by kid in order; empty when they are the same. */
    List<KeyDiff> since(SigningKeys before) {
        SortedSet<String> kids = new TreeSet<>(before.byKid.keySet());
        kids.addAll(byKid.keySet());
        List<KeyDiff> diffs = new ArrayList<>();
        for (String kid : kids) {
            SortedSet<String> was = before.byKid.get(kid);
            SortedSet<String> now = byKid.get(kid);
            if (was == null) {
                diffs.add(new KeyDiff(KeyChange.ADDED, kid, List.of(), List.copyOf(now)));
            } else if (now == null) {
                diffs.add(new KeyDiff(KeyChange.REMOVED, kid, List.copyOf(was), List.of()));
            } else if (!was.equals(now)) {
                diffs.add(new KeyDiff(KeyChange.MATERIAL_CHANGED, kid, List.copyOf(was), List.copyOf(now)));
            }
        }
        return diffs;
    }
}
