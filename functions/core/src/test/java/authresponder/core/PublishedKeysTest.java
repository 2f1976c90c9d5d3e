package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.KeyUse;
import java.text.ParseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each kind of key a JWKS can hold, sorted as RFC 7517, 7518 and 8037 say; the lines never hold key material. */
class PublishedKeysTest {
    private static String set(String... keys) {
        return "{\"keys\":[" + String.join(",", keys) + "]}";
    }

    @Test
    void eachKindOfKeyIsSortedByWhatItIs() throws Exception {
        String rsa = new RSAKeyGenerator(2048).keyID("rsa").generate().toPublicJWK().toJSONString();
        String ec = new ECKeyGenerator(Curve.P_256).keyID("ec").keyUse(KeyUse.SIGNATURE).generate().toPublicJWK().toJSONString();
        String enc = new RSAKeyGenerator(2048).keyID("enc").keyUse(KeyUse.ENCRYPTION).generate().toPublicJWK().toJSONString();
        String ed448 = "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"ed448\",\"x\":\"" + "A".repeat(76) + "\"}";
        String x448 = "{\"kty\":\"OKP\",\"crv\":\"X448\",\"kid\":\"x448\",\"x\":\"" + "A".repeat(75) + "\"}";
        String oct = new OctetSequenceKeyGenerator(256).keyID("hs").keyUse(KeyUse.ENCRYPTION).generate().toJSONString();
        String privateEc = new ECKeyGenerator(Curve.P_256).keyID("ec-private").generate().toJSONString();

        PublishedKeys keys = PublishedKeys.parse(set(rsa, ec, enc, ed448, x448, oct, privateEc, "{\"kid\":\"typeless\"}", "[1]",
                "{\"kty\":\"EC\",\"kid\":\"off-curve\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}"));

        assertEquals(List.of("rsa", "ec", "ed448"), keys.signing().stream().map(JWK::getKeyID).toList());
        assertEquals(List.of("kid hs (oct): a symmetric key, published: anyone who fetched the JWKS can sign with it",
                "kid ec-private (EC): private member(s) d published: the private key is public"), keys.exposed());
        assertEquals(List.of("kid enc (RSA): use enc, not signatures", "kid x448 (OKP): curve X448 is for key agreement, not signatures"),
                keys.ignored());
        assertEquals(3, keys.malformed().size(), keys.malformed().toString());
        assertEquals("kid typeless (no kty): no key type", keys.malformed().get(0));
        assertEquals("key #9 is not a JSON object", keys.malformed().get(1));
    }

    @Test
    void aBodyThatIsNotAKeySetIsAParseError() {
        assertThrows(ParseException.class, () -> PublishedKeys.parse("{\"keys\":[] "));
        assertThrows(ParseException.class, () -> PublishedKeys.parse("{\"issuer\":\"x\"}"));
        assertThrows(ParseException.class, () -> PublishedKeys.parse("[]"));
    }
}
