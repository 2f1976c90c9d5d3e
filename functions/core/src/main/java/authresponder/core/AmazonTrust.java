package authresponder.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import software.amazon.awssdk.http.TlsTrustManagersProvider;

/**
 * Whom the AWS SDK's clients trust. AWS endpoints present certificates that chain to Amazon Trust Services:
 * Amazon Root CA 1 to 4, and Starfield Services Root Certificate Authority - G2, which cross-signs them. core
 * carries those five (amazon-trust-services.pem, each as the JDK's own trust store has it), and a server is
 * checked against them first: the init phase then parses five roots instead of the JDK's whole store, about
 * 140, before the first AWS call. A chain they refuse is checked again against the JDK's store, read only
 * then, so nothing the JDK trusts is refused. Each check is the JDK's own, host name included.
 */
final class AmazonTrust extends X509ExtendedTrustManager implements TlsTrustManagersProvider {
    private static final String ROOTS = "amazon-trust-services.pem";

    private final X509ExtendedTrustManager amazon;
    private final Lazy<X509ExtendedTrustManager> otherwise;

    /** Amazon's roots, then the JDK's trust store (the one javax.net.ssl.trustStore names, if set). */
    AmazonTrust() {
        this(() -> checking(null));
    }

    /** Amazon's roots, then the trust {@code otherwise} makes when a chain first needs it. */
    AmazonTrust(Supplier<X509ExtendedTrustManager> otherwise) {
        this.amazon = checking(roots());
        this.otherwise = Lazy.of(otherwise);
    }

    /** The five roots core carries. */
    static KeyStore roots() {
        try (InputStream pem = AmazonTrust.class.getResourceAsStream(ROOTS)) {
            if (pem == null) {
                throw new IllegalStateException(ROOTS + " is missing from the jar");
            }
            KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
            roots.load(null, null);
            int n = 0;
            for (var root : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                roots.setCertificateEntry("amazon-trust-services-" + ++n, root);
            }
            return roots;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not read " + ROOTS, e);
        }
    }

    /** The JDK's PKIX trust over {@code roots}, or over its own trust store when null. */
    static X509ExtendedTrustManager checking(KeyStore roots) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(roots);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's " + factory.getAlgorithm() + " trust has no X.509 manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not make the JDK's trust", e);
        }
    }

    @Override
    public TrustManager[] trustManagers() {
        return new TrustManager[] {this};
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(trust -> trust.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(trust -> trust.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(trust -> trust.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(trust -> trust.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(trust -> trust.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(trust -> trust.checkClientTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return amazon.getAcceptedIssuers();
    }

    private void check(Check check) throws CertificateException {
        try {
            check.by(amazon);
        } catch (CertificateException notAmazon) {
            try {
                check.by(otherwise.get());
            } catch (CertificateException refused) {
                refused.addSuppressed(notAmazon);
                throw refused;
            }
        }
    }

    private interface Check {
        void by(X509ExtendedTrustManager trust) throws CertificateException;
    }
}
