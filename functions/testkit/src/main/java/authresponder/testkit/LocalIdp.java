package authresponder.testkit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenID Connect identity provider on a free loopback port, for tests and the drill: it publishes
 * discovery ({@code /.well-known/openid-configuration}) and a JWKS ({@code /jwks}) with RSA and EC keys
 * made by nimbus-jose-jwt, and signs tokens with them. It can play every incident the runbooks name:
 * a key added or retired (rotation), new material under the same kid, a clock that is off (the
 * {@code Date} header), an outage (500), a malformed JWKS, or a black hole that accepts the request and
 * never answers. And what a careless or hostile one publishes: any key as raw JSON (a symmetric key, a
 * private member, a key-agreement key, a malformed key), a discovery naming another issuer or a jwks_uri
 * anywhere, and a JWKS that redirects. It counts the connections it accepts, so a test can show that a
 * refused URL was never connected to.
 * close() stops it and releases every hanging request.
 */
public final class LocalIdp implements AutoCloseable {
    public static final String DEFAULT_AUDIENCE = "auth-api";
    public static final String JWKS_PATH = "/jwks";
    public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";

    /** How the server answers every request. */
    public enum Mode {
        /** Discovery and JWKS as configured. */
        SERVING,
        /** 500 with a short body, as an IdP in an outage. */
        ERROR_500,
        /** Accepts the connection, reads the request, and never answers until close(). */
        BLACK_HOLE,
        /** Discovery as configured; the JWKS answers 200 with JSON cut off halfway, as a broken deploy of the IdP would. */
        MALFORMED_JWKS
    }

    private final ServerSocket server;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final String issuer;
    /** Every key this IdP ever made, by kid (current material): retired keys can still sign, as an old token would be. */
    private final Map<String, JWK> privateKeys = new LinkedHashMap<>();
    /** The kids the JWKS publishes now, in order. */
    private final List<String> published = new ArrayList<>();
    /** Keys published as raw JSON after the others, exactly as given. */
    private final List<String> rawKeys = new ArrayList<>();

    private volatile Mode mode = Mode.SERVING;
    private volatile Duration dateSkew = Duration.ZERO;
    private volatile Duration latency = Duration.ZERO;
    private volatile String cacheControl = "public, max-age=300";
    private volatile String discoveryIssuer;
    private volatile String discoveryJwksUri;
    private volatile String secondJwksUri;
    private volatile String jwksRedirect;

    private LocalIdp() {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the local IdP", e);
        }
        issuer = "http://127.0.0.1:" + server.getLocalPort();
        Thread.ofVirtual().name("local-idp-" + server.getLocalPort()).start(this::acceptLoop);
        discoveryIssuer = issuer;
    }

    /** An IdP publishing one RSA signing key ({@code rsa-1}) and one EC signing key ({@code ec-1}). */
    public static LocalIdp start() {
        LocalIdp idp = new LocalIdp();
        idp.addRsaKey("rsa-1");
        idp.addEcKey("ec-1");
        return idp;
    }

    /** An IdP publishing no key yet: the test adds exactly the keys it wants. */
    public static LocalIdp startEmpty() {
        return new LocalIdp();
    }

    public String issuer() {
        return issuer;
    }

    public URI discoveryUri() {
        return URI.create(issuer + DISCOVERY_PATH);
    }

    public URI jwksUri() {
        return URI.create(issuer + JWKS_PATH);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Requests received so far, answered or not. */
    public int requestCount() {
        return requests.get();
    }

    /** Connections accepted so far, whether a request came on them or not. */
    public int connectionCount() {
        return accepted.get();
    }

    // ---- keys: rotation and material changes ----

    /** Makes a 2048-bit RSA signing key and publishes it. */
    public synchronized RSAKey addRsaKey(String kid) {
        RSAKey key = rsa(kid, KeyUse.SIGNATURE);
        publish(key);
        return key;
    }

    /** Makes a P-256 EC signing key and publishes it. */
    public synchronized ECKey addEcKey(String kid) {
        ECKey key = ec(kid);
        publish(key);
        return key;
    }

    /** Publishes an RSA key with {@code use: enc}: in the JWKS, but not a signing key. */
    public synchronized RSAKey addEncryptionKey(String kid) {
        RSAKey key = rsa(kid, KeyUse.ENCRYPTION);
        publish(key);
        return key;
    }

    /** Stops publishing a key; it can still sign, as the tokens issued before its retirement were. */
    public synchronized void retire(String kid) {
        requireKnown(kid);
        published.remove(kid);
    }

    /** Replaces a key's material under the same kid (same type and use): the hardest rotation to spot. */
    public synchronized JWK replaceMaterial(String kid) {
        JWK old = requireKnown(kid);
        JWK fresh = old instanceof ECKey ? ec(kid) : rsa(kid, old.getKeyUse());
        privateKeys.put(kid, fresh);
        return fresh;
    }

    /** The current private key of a kid (keep it before replaceMaterial to sign with the old material). */
    public synchronized JWK privateKey(String kid) {
        return requireKnown(kid);
    }

    /** Publishes a key exactly as this JSON object says, after the others: whatever an IdP could put in its JWKS. */
    public synchronized void publishRawKey(String json) {
        rawKeys.add(json);
    }

    /** The JWKS as published now: public keys only (raw keys are not in it). */
    public synchronized JWKSet publishedKeys() {
        return new JWKSet(published.stream().map(kid -> privateKeys.get(kid).toPublicJWK()).toList());
    }

    /** The published kids, in order. */
    public synchronized List<String> publishedKids() {
        return List.copyOf(published);
    }

    // ---- failure modes ----

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** The {@code Date} header is sent this far from the real time (positive: the IdP runs ahead). */
    public void dateSkew(Duration skew) {
        this.dateSkew = skew;
    }

    /** Every answer waits this long first, as from a distant or overloaded IdP. */
    public void latency(Duration delay) {
        this.latency = delay;
    }

    /** The JWKS response's {@code Cache-Control}; null sends none. */
    public void cacheControl(String value) {
        this.cacheControl = value;
    }

    /** The issuer that discovery claims; by default the real one. */
    public void discoveryIssuer(String value) {
        this.discoveryIssuer = value;
    }

    /** The jwks_uri that discovery names; by default this IdP's own {@link #jwksUri()}. */
    public void discoveryJwksUri(String value) {
        this.discoveryJwksUri = value;
    }

    /** Discovery names a second {@code jwks_uri} member after the first: a lenient parser reads the last one. */
    public void discoverySecondJwksUri(String value) {
        this.secondJwksUri = value;
    }

    /** The JWKS answers 302 with this Location instead of the keys; null serves the keys again. */
    public void redirectJwks(String location) {
        this.jwksRedirect = location;
    }

    /** Back to normal service with the real issuer, no skew, default caching; keys are left as they are. */
    public void heal() {
        discoveryJwksUri = null;
        secondJwksUri = null;
        jwksRedirect = null;
        mode = Mode.SERVING;
        dateSkew = Duration.ZERO;
        latency = Duration.ZERO;
        cacheControl = "public, max-age=300";
        discoveryIssuer = issuer;
    }

    // ---- tokens ----

    /** A token signed by the first published signing key, valid from now for 15 minutes, for this issuer and the default audience. */
    public Token token() {
        String kid;
        synchronized (this) {
            kid = published.stream()
                    .filter(k -> !KeyUse.ENCRYPTION.equals(privateKeys.get(k).getKeyUse()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("the IdP publishes no signing key"));
        }
        return token(kid);
    }

    /** A token signed by the named key (published or retired). */
    public Token token(String kid) {
        return new Token(privateKey(kid), issuer);
    }

    /** A signed JWT being put together; {@link #sign()} returns its compact form. */
    public static final class Token {
        private JWK key;
        private final String kid;
        private String issuer;
        private String audience = DEFAULT_AUDIENCE;
        private String subject = "user-1";
        private Instant issuedAt = Instant.now();
        private Instant notBefore = issuedAt;
        private Instant expiresAt = issuedAt.plus(Duration.ofMinutes(15));

        private Token(JWK key, String issuer) {
            this.key = key;
            this.kid = key.getKeyID();
            this.issuer = issuer;
        }

        /** Signs with this material but keeps the header kid: the old material of a key replaced under the same kid. */
        public Token signedWith(JWK material) {
            this.key = material;
            return this;
        }

        public Token issuer(String value) {
            this.issuer = value;
            return this;
        }

        public Token audience(String value) {
            this.audience = value;
            return this;
        }

        public Token subject(String value) {
            this.subject = value;
            return this;
        }

        public Token issuedAt(Instant value) {
            this.issuedAt = value;
            return this;
        }

        public Token notBefore(Instant value) {
            this.notBefore = value;
            return this;
        }

        public Token expiresAt(Instant value) {
            this.expiresAt = value;
            return this;
        }

        /** iat, nbf and exp shifted together, as a token from an IdP whose clock is off by this much. */
        public Token shifted(Duration offset) {
            issuedAt = issuedAt.plus(offset);
            notBefore = notBefore.plus(offset);
            expiresAt = expiresAt.plus(offset);
            return this;
        }

        public String sign() {
            boolean ec = key instanceof ECKey;
            JWSHeader header = new JWSHeader.Builder(ec ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256)
                    .keyID(kid).type(JOSEObjectType.JWT).build();
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                    .issuer(issuer).subject(subject)
                    .issueTime(Date.from(issuedAt)).notBeforeTime(Date.from(notBefore)).expirationTime(Date.from(expiresAt));
            if (audience != null) {
                claims.audience(audience);
            }
            SignedJWT jwt = new SignedJWT(header, claims.build());
            try {
                JWSSigner signer = ec ? new ECDSASigner((ECKey) key) : new RSASSASigner((RSAKey) key);
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException("could not sign a test token with " + kid, e);
            }
            return jwt.serialize();
        }
    }

    // ---- the server: plain HTTP/1.1 on a socket, so every header (Date included) is the IdP's own ----

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket connection;
            try {
                connection = server.accept();
            } catch (IOException closing) {
                return;
            }
            accepted.incrementAndGet();
            connections.add(connection);
            try {
                handlers.submit(() -> serve(connection));
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // accepted as close() ran, after it closed the connections it knew: nobody else closes this one
                closeQuietly(connection);
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection) {
            connection.setSoTimeout(10_000);
            InputStream in = connection.getInputStream();
            String requestLine = line(in);
            if (requestLine == null) {
                return;
            }
            long bodyLength = 0;
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    bodyLength = Long.parseLong(header.substring(15).trim());
                }
            }
            in.skipNBytes(bodyLength);
            requests.incrementAndGet();
            String[] parts = requestLine.split(" ");
            String method = parts[0];
            String path = parts.length > 1 ? URI.create(parts[1]).getPath() : "/";
            OutputStream out = connection.getOutputStream();
            if (!latency.isZero() && closed.await(latency.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            switch (mode) {
                case BLACK_HOLE -> hang();
                case ERROR_500 -> send(out, 500, "text/plain", "identity provider unavailable", null);
                case SERVING, MALFORMED_JWKS -> answer(out, method, path);
            }
        } catch (IOException | RuntimeException dropped) {
            // the client went away or sent garbage: nothing to answer
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
        } finally {
            connections.remove(connection);
        }
    }

    private void hang() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answer(OutputStream out, String method, String path) throws IOException {
        if (!"GET".equals(method)) {
            send(out, 405, "text/plain", "GET only", null);
        } else if (DISCOVERY_PATH.equals(path)) {
            send(out, 200, "application/json", discovery(), null);
        } else if (JWKS_PATH.equals(path) && jwksRedirect != null) {
            send(out, 302, "text/plain", "moved", null, "Location: " + jwksRedirect);
        } else if (JWKS_PATH.equals(path)) {
            String jwks = jwksDocument();
            send(out, 200, "application/json", mode == Mode.MALFORMED_JWKS ? jwks.substring(0, jwks.length() / 2) : jwks, cacheControl);
        } else {
            send(out, 404, "text/plain", "not found", null);
        }
    }

    private String discovery() {
        return "{\"issuer\":\"" + discoveryIssuer + "\","
                + "\"jwks_uri\":\"" + (discoveryJwksUri != null ? discoveryJwksUri : jwksUri()) + "\","
                + (secondJwksUri != null ? "\"jwks_uri\":\"" + secondJwksUri + "\"," : "")
                + "\"authorization_endpoint\":\"" + issuer + "/authorize\","
                + "\"token_endpoint\":\"" + issuer + "/token\","
                + "\"id_token_signing_alg_values_supported\":[\"RS256\",\"ES256\"]}";
    }

    private synchronized String jwksDocument() {
        List<String> keys = new ArrayList<>(published.stream().map(kid -> privateKeys.get(kid).toPublicJWK().toJSONString()).toList());
        keys.addAll(rawKeys);
        return "{\"keys\":[" + String.join(",", keys) + "]}";
    }

    private void send(OutputStream out, int status, String type, String body, String caching, String... headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n")
                .append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        Instant.now().plus(dateSkew).atOffset(ZoneOffset.UTC))).append("\r\n")
                .append("Content-Type: ").append(type).append("\r\n")
                .append("Content-Length: ").append(bytes.length).append("\r\n")
                .append("Connection: close\r\n");
        if (caching != null) {
            head.append("Cache-Control: ").append(caching).append("\r\n");
        }
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 302 -> "Found";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            default -> "Internal Server Error";
        };
    }

    /** One CRLF-terminated header line, or null at end of stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                int end = text.length();
                return end > 0 && text.charAt(end - 1) == '\r' ? text.substring(0, end - 1) : text.toString();
            }
            if (text.length() > 8192) {
                throw new IOException("header line too long");
            }
            text.append((char) b);
        }
        return text.isEmpty() ? null : text.toString();
    }

    private void publish(JWK key) {
        if (privateKeys.containsKey(key.getKeyID())) {
            throw new IllegalArgumentException("kid " + key.getKeyID() + " exists already: use replaceMaterial to change its material");
        }
        privateKeys.put(key.getKeyID(), key);
        published.add(key.getKeyID());
    }

    private JWK requireKnown(String kid) {
        JWK key = privateKeys.get(kid);
        if (key == null) {
            throw new IllegalArgumentException("the IdP has no key " + kid);
        }
        return key;
    }

    private static RSAKey rsa(String kid, KeyUse use) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(use)
                    .algorithm(KeyUse.ENCRYPTION.equals(use) ? null : JWSAlgorithm.RS256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops listening, releases every request held by a black hole, and closes all connections. It stops
     * listening first: a client whose held request ends without an answer sends it again on a new connection
     * (the JDK's HttpClient retries a GET once), which must be refused, not accepted and held.
     */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        closed.countDown();
        connections.forEach(LocalIdp::closeQuietly);
        handlers.shutdownNow();
    }

    private static void closeQuietly(Socket connection) {
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
