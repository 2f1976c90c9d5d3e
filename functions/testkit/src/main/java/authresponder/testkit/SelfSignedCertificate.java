package authresponder.testkit;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate and its key, made by the JDK's keytool: what a test's HTTPS server presents. {@link #trust()} is a trust store that holds it, for the clients meant to accept it.
 */
public final class SelfSignedCertificate {
    private static final char[] PASSWORD = "changeit".toCharArray();

    private final KeyStore keys;
    private final String pem;

    private SelfSignedCertificate(KeyStore keys, String pem) {
        this.keys = keys;
        this.pem = pem;
    }

    /** A new key pair (EC P-256) and certificate for 127.0.0.1 and localhost, valid for a day, named {@code CN=commonName}. */
    public static SelfSignedCertificate make(String commonName) {
        return make(commonName, "ip:127.0.0.1,dns:localhost");
    }

    /** The same for the hosts {@code subjectAltNames} names, in keytool's form ({@code ip:...,dns:...}). */
    public static SelfSignedCertificate make(String commonName, String subjectAltNames) {
        return make(commonName, subjectAltNames, "-keyalg", "EC", "-groupname", "secp256r1");
    }

    /** One with an RSA 2048 key, as AWS's endpoints present, for 127.0.0.1 and localhost. */
    public static SelfSignedCertificate rsa(String commonName) {
        return make(commonName, "ip:127.0.0.1,dns:localhost", "-keyalg", "RSA", "-keysize", "2048");
    }

    private static SelfSignedCertificate make(String commonName, String subjectAltNames, String... key) {
        try {
            Path dir = Files.createTempDirectory("self-signed");
            Path keystore = dir.resolve("server.p12");
            try {
                List<String> generate = new ArrayList<>(List.of("-genkeypair", "-alias", "server"));
                generate.addAll(List.of(key));
                generate.addAll(List.of("-dname", "CN=" + commonName, "-ext", "SAN=" + subjectAltNames, "-validity", "1",
                        "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD)));
                keytool(generate.toArray(String[]::new));
                String pem = keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
                        "-storepass", new String(PASSWORD));
                KeyStore keys = KeyStore.getInstance("PKCS12");
                try (FileInputStream in = new FileInputStream(keystore.toFile())) {
                    keys.load(in, PASSWORD);
                }
                return new SelfSignedCertificate(keys, pem);
            } finally {
                Files.deleteIfExists(keystore);
                Files.delete(dir);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not make a self-signed certificate", e);
        }
    }

    /** The certificate as PEM text. */
    public String pem() {
        return pem;
    }

    public X509Certificate certificate() {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A trust store holding this certificate alone. */
    public KeyStore trust() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", certificate());
            return trust;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes a trust store holding this certificate alone, for another JVM (-Djavax.net.ssl.trustStore): JKS,
     * which that JVM reads without a password, so it spends no key derivation on checking the file.
     */
    public void writeTrustStore(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            KeyStore jks = KeyStore.getInstance("JKS");
            jks.load(null, null);
            jks.setCertificateEntry("server", certificate());
            jks.store(out, PASSWORD);
        } catch (GeneralSecurityException e) {
            throw new IOException("could not write the trust store", e);
        }
    }

    /** An HTTPS server on a free loopback port that presents this certificate; the caller adds contexts and starts it. */
    public HttpsServer server() throws IOException {
        try {
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, PASSWORD);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keyManagers.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            return server;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not serve the self-signed certificate", e);
        }
    }

    private static String keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        return output;
    }
}
