package authresponder.core;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JWKS as an identity provider publishes it, each key sorted by what it is: the one classification that
 * diagnose and watch-keys both use. A signing key is an asymmetric public key for signatures (RFC 7517,
 * RFC 7518, RFC 8037): RSA or EC with {@code use} absent or {@code sig}, OKP only on Ed25519 or Ed448 (X25519
 * and X448 are key agreement). A symmetric ({@code oct}) key, or any private member, in a published set is a
 * security finding: whoever fetched the set can sign tokens. Every line here names a key by its kid and type
 * and a member by its name only; key material is never put in a line.
 *
 * @param signing   the signing keys, as public JWKs
 * @param exposed   one line per key that publishes secret material (never counted as a signing key)
 * @param ignored   one line per key that signs nothing: encryption, key agreement, an unknown type
 * @param malformed one line per key that cannot be read; the others are still used
 */
public record PublishedKeys(List<JWK> signing, List<String> exposed, List<String> ignored, List<String> malformed) {
    /** RFC 7518 6.2.2, 6.3.2, 6.4.1 and RFC 8037 2: the members only a private or symmetric key has. */
    static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
    private static final Set<String> SIGNING_CURVES = Set.of("Ed25519", "Ed448");

    public PublishedKeys {
        signing = List.copyOf(signing);
        exposed = List.copyOf(exposed);
        ignored = List.copyOf(ignored);
        malformed = List.copyOf(malformed);
    }

    /**
     * @throws ParseException when the body is not a JSON object with a {@code keys} array (duplicate names
     *                        refused); a single bad key is only {@link #malformed}
     */
    public static PublishedKeys parse(String body) throws ParseException {
        List<Object> keys;
        try {
            keys = JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(body), "keys");
        } catch (RuntimeException e) {
            throw new ParseException("not a JSON object", 0);
        }
        if (keys == null) {
            throw new ParseException("no \"keys\" array", 0);
        }
        List<JWK> signing = new ArrayList<>();
        List<String> exposed = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (!(keys.get(i) instanceof Map<?, ?> raw)) {
                malformed.add("key #" + (i + 1) + " is not a JSON object");
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> key = (Map<String, Object>) raw;
            String kty = key.get("kty") instanceof String text ? text : null;
            String name = (key.get("kid") instanceof String kid ? "kid " + kid : "key #" + (i + 1)) + " (" + (kty == null ? "no kty" : kty) + ")";
            Set<String> secret = new TreeSet<>(key.keySet());
            secret.retainAll(PRIVATE_MEMBERS);
            Object use = key.get("use");
            Object crv = key.get("crv");
            if ("oct".equals(kty)) {
                exposed.add(name + ": a symmetric key, published: anyone who fetched the JWKS can sign with it");
            } else if (!secret.isEmpty()) {
                exposed.add(name + ": private member(s) " + String.join(", ", secret) + " published: the private key is public");
            } else if (kty == null) {
                malformed.add(name + ": no key type");
            } else if (use != null && !"sig".equals(use)) {
                ignored.add(name + ": use " + use + ", not signatures");
            } else if ("OKP".equals(kty) && !SIGNING_CURVES.contains(crv)) {
                ignored.add(name + ": curve " + crv + " is for key agreement, not signatures");
            } else if (!Set.of("RSA", "EC", "OKP").contains(kty)) {
                ignored.add(name + ": not a key type that signs tokens");
            } else {
                try {
                    signing.add(JWK.parse(key));
                } catch (ParseException | RuntimeException e) {
                    // nimbus's message names the member at fault, never its value
                    malformed.add(name + ": cannot be read: " + e.getMessage());
                }
            }
        }
        return new PublishedKeys(signing, exposed, ignored, malformed);
    }
}
