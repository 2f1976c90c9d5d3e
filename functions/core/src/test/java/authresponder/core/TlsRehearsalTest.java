package authresponder.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

class TlsRehearsalTest {
    @Test
    void aTls13HandshakeIsRunToTheEndAndItsCertificateChainChecked() throws Exception {
        SSLSession session = TlsRehearsal.run();

        assertNotNull(session, "the handshake or the records failed");
        assertEquals("TLSv1.3", session.getProtocol());
        assertTrue(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384").contains(session.getCipherSuite()),
                session.getCipherSuite());
        // the client checked a chain as an AWS endpoint presents one: an RSA certificate for the host it named,
        // issued by a root its trust manager holds
        var chain = (X509Certificate[]) session.getPeerCertificates();
        assertEquals(2, chain.length);
        assertEquals("RSA", chain[0].getPublicKey().getAlgorithm());
        assertEquals(List.of(List.of(2, "tls-rehearsal.invalid")), chain[0].getSubjectAlternativeNames().stream().map(List::copyOf).toList());
        assertEquals(chain[1].getSubjectX500Principal(), chain[0].getIssuerX500Principal());
        assertTrue(chain[1].getBasicConstraints() >= 0, "the root is a certificate authority");
        chain[0].verify(chain[1].getPublicKey());
    }

    @Test
    void eachRehearsalMakesItsOwnIdentity() throws Exception {
        var first = (X509Certificate) TlsRehearsal.run().getPeerCertificates()[0];
        var second = (X509Certificate) TlsRehearsal.run().getPeerCertificates()[0];

        assertNotEquals(first.getPublicKey(), second.getPublicKey(), "a rehearsal identity was kept between runs");
    }
}
