package authresponder.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A TLS 1.3 handshake rehearsed in memory, for priming: a client and a server engine of this JVM talk to each
 * other through byte buffers and exchange one record each way, so the handshake's classes (key shares,
 * certificate path, signatures, record ciphers) are loaded and run before a SnapStart snapshot. Without it a
 * restored function pays for them at its first AWS call: the rehearsed calls ({@link Rehearsal}) stop before
 * they are sent, so they make no connection. No socket is opened and nothing is kept: the identity the server
 * presents (an RSA key and a certificate for it, signed by a root made alongside) is made here and dropped, and
 * only the rehearsal's own client trusts it.
 */
final class TlsRehearsal {
    private static final String HOST = "tls-rehearsal.invalid";
    private static final byte[] REQUEST = "rehearsal".getBytes(StandardCharsets.US_ASCII);

    private TlsRehearsal() {}

    /**
     * Runs the rehearsal. It never throws, since priming goes on whatever a rehearsal does: the client's session
     * when both sides finished the handshake and each read the other's record, else null.
     */
    static SSLSession run() {
        try {
            Identity identity = Identity.make();
            // the trust manager named for the server too: left out, the JDK would read its whole trust store
            TrustManager[] trust = {AmazonTrust.checking(identity.trusted())};
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(new KeyManager[] {identity}, trust, null);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, trust, null);
            SSLEngine clientEngine = client.createSSLEngine(HOST, 443);
            clientEngine.setUseClientMode(true);
            var parameters = clientEngine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            clientEngine.setSSLParameters(parameters);
            SSLEngine serverEngine = server.createSSLEngine();
            serverEngine.setUseClientMode(false);
            return exchange(clientEngine, serverEngine);
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    /** Pumps records between the two engines until each has read the other's one record of data. */
    private static SSLSession exchange(SSLEngine client, SSLEngine server) {
        int packet = client.getSession().getPacketBufferSize();
        int application = client.getSession().getApplicationBufferSize();
        ByteBuffer toServer = ByteBuffer.allocate(packet);
        ByteBuffer toClient = ByteBuffer.allocate(packet);
        ByteBuffer clientOut = ByteBuffer.wrap(REQUEST);
        ByteBuffer serverOut = ByteBuffer.wrap(REQUEST);
        ByteBuffer clientIn = ByteBuffer.allocate(application);
        ByteBuffer serverIn = ByteBuffer.allocate(application);
        try {
            for (int step = 0; step < 50; step++) {
                client.wrap(clientOut, toServer);
                server.wrap(serverOut, toClient);
                toServer.flip();
                server.unwrap(toServer, serverIn);
                toServer.compact();
                toClient.flip();
                client.unwrap(toClient, clientIn);
                toClient.compact();
                runTasks(client);
                runTasks(server);
                if (clientIn.position() == REQUEST.length && serverIn.position() == REQUEST.length) {
                    return client.getSession();
                }
            }
            return null;
        } catch (SSLException e) {
            return null;
        }
    }

    private static void runTasks(SSLEngine engine) {
        while (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            Runnable task = engine.getDelegatedTask();
            if (task == null) {
                return;
            }
            task.run();
        }
    }

    /**
     * The server's identity: a certificate for {@link #HOST} signed by a root, both over one RSA key. AWS's
     * endpoints present RSA certificates, so the client checks RSA signatures as it will at its first AWS call.
     * 1,024 bits, the least the JDK accepts, since a key pair of 2,048 takes a cold JVM 0.4 to 3 s to find.
     */
    private static final class Identity extends X509ExtendedKeyManager {
        private static final String ROOT = "auth-responder tls rehearsal root";
        private final PrivateKey key;
        private final X509Certificate leaf;
        private final X509Certificate root;

        private Identity(PrivateKey key, X509Certificate leaf, X509Certificate root) {
            this.key = key;
            this.leaf = leaf;
            this.root = root;
        }

        static Identity make() throws GeneralSecurityException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            KeyPair pair = generator.generateKeyPair();
            X509Certificate root = Der.certificate(pair, ROOT, ROOT, Der.authority());
            X509Certificate leaf = Der.certificate(pair, ROOT, HOST, Der.dnsName(HOST));
            return new Identity(pair.getPrivate(), leaf, root);
        }

        /** A trust store holding the root alone. */
        KeyStore trusted() throws GeneralSecurityException {
            try {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                store.setCertificateEntry("root", root);
                return store;
            } catch (IOException e) {
                throw new GeneralSecurityException(e);
            }
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return "RSA".equals(keyType) || "RSASSA-PSS".equals(keyType) ? HOST : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return HOST.equals(alias) ? new X509Certificate[] {leaf, root} : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return HOST.equals(alias) ? key : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /**
     * The DER of an X.509 certificate signed with SHA256withRSA: the JDK reads certificates and has no public
     * API to write one.
     */
    private static final class Der {
        private static final byte[] SHA256_WITH_RSA = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x0b};
        private static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};
        private static final byte[] SUBJECT_ALT_NAME = {0x55, 0x1d, 0x11};
        private static final byte[] BASIC_CONSTRAINTS = {0x55, 0x1d, 0x13};
        private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");

        /** A version 3 certificate of the pair's public key, signed with its private key, valid for an hour either side of now. */
        static X509Certificate certificate(KeyPair pair, String issuer, String subject, byte[] extension)
                throws GeneralSecurityException {
            byte[] algorithm = tlv(0x30, tlv(0x06, SHA256_WITH_RSA), tlv(0x05));
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            byte[] validity = tlv(0x30, time(now.minusHours(1)), time(now.plusHours(1)));
            byte[] toBeSigned = tlv(0x30, tlv(0xa0, tlv(0x02, new byte[] {2})), tlv(0x02, new byte[] {1}), algorithm,
                    name(issuer), validity, name(subject), pair.getPublic().getEncoded(), tlv(0xa3, tlv(0x30, extension)));
            Signature signer = Signature.getInstance("SHA256withRSA");
            signer.initSign(pair.getPrivate());
            signer.update(toBeSigned);
            byte[] signature = signer.sign();
            byte[] bits = new byte[signature.length + 1];
            System.arraycopy(signature, 0, bits, 1, signature.length);
            byte[] encoded = tlv(0x30, toBeSigned, algorithm, tlv(0x03, bits));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(encoded));
        }

        /** Basic constraints: a certificate authority, which the JDK requires of a trust anchor. */
        static byte[] authority() {
            return tlv(0x30, tlv(0x06, BASIC_CONSTRAINTS), tlv(0x04, tlv(0x30, tlv(0x01, new byte[] {(byte) 0xff}))));
        }

        /** Subject alternative name: one DNS name, which the client's host name check reads. */
        static byte[] dnsName(String host) {
            return tlv(0x30, tlv(0x06, SUBJECT_ALT_NAME), tlv(0x04, tlv(0x30, tlv(0x82, host.getBytes(StandardCharsets.US_ASCII)))));
        }

        private static byte[] name(String commonName) {
            return tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, COMMON_NAME), tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
        }

        private static byte[] time(ZonedDateTime at) {
            return tlv(0x17, UTC_TIME.format(at).getBytes(StandardCharsets.US_ASCII));
        }

        /** One DER element: its tag, its length (short or long form) and its content. */
        private static byte[] tlv(int tag, byte[]... parts) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            for (byte[] part : parts) {
                content.writeBytes(part);
            }
            int length = content.size();
            ByteArrayOutputStream element = new ByteArrayOutputStream(length + 4);
            element.write(tag);
            if (length < 0x80) {
                element.write(length);
            } else if (length < 0x100) {
                element.write(0x81);
                element.write(length);
            } else {
                element.write(0x82);
                element.write(length >> 8);
                element.write(length);
            }
            element.writeBytes(content.toByteArray());
            return element.toByteArray();
        }
    }
}
