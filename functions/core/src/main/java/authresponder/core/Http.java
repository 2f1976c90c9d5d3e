package authresponder.core;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * GETs to an identity provider (diagnose's checks, watch-keys): every request ends by the budget's deadline,
 * body included, and a body larger than any discovery document or JWKS is refused.
 *
 * <p>Where it connects is checked first, so that a discovery document cannot send it anywhere (server-side
 * request forgery): the host's addresses are resolved, and every one must be public or loopback: never
 * link-local, multicast or unspecified (the instance metadata service is 169.254.169.254 and fd00:ec2::254),
 * and never private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) unless the URL is one the operator
 * configured ({@link Origin#CONFIGURED}: an issuer inside the network). Plain http is allowed only when they
 * are all loopback (local runs), and the connection goes to the address checked, so the name cannot resolve
 * elsewhere in between. A redirect is followed only on the same
 * scheme, host and port. HTTP/1.1 is spoken on a socket of its own for this: a URL connection would resolve
 * the name again and follow redirects anywhere.
 */
public final class Http {
    /** A discovery document or a JWKS is a few KiB. */
    static final int MAX_BODY_BYTES = 512 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int MAX_REDIRECTS = 3;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /** A literal: parsed, never looked up. */
    private static final InetAddress EC2_METADATA_V6 = InetAddress.ofLiteral("fd00:ec2::254");
    /**
     * Each exchange runs on a thread of its own, so its caller stops waiting at the deadline whatever the server
     * does (a connection's timeouts bound each read, not a body that trickles in); the exchange itself gives up
     * at its next read.
     */
    private static final ExecutorService EXCHANGES = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "http-exchange");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * A response as the checks use it.
     *
     * @param skew the server's Date minus our clock at the midpoint of the exchange (Date has 1 s resolution), if it sent one
     */
    public record Response(int status, String body, Optional<String> cacheControl, Optional<Duration> skew, Duration latency) {}

    /** A request that got no answer: refused, reset, timed out. The message names it for the report. */
    public static final class NoAnswer extends IOException {
        NoAnswer(String message) {
            super(message, null);
        }
    }

    /** Who chose the URL: the operator (settings), or a document the IdP published (discovery's jwks_uri). */
    public enum Origin { CONFIGURED, PUBLISHED }

    /** A request not sent, because of where it would go: no connection was opened. The message says why. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message, null);
        }
    }

    /**
     * @throws Refused                  before any connection, when the URL's addresses, scheme or a redirect break the rules
     * @throws IllegalArgumentException if the URI is not an absolute http or https one
     */
    public Response get(URI uri, Origin origin, Budget budget) throws NoAnswer, Refused, InterruptedException {
        if (!uri.isAbsolute() || uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new IllegalArgumentException("not an http(s) URL: " + uri);
        }
        long timeout = budget.timeout(budget.remaining()).toMillis();
        Instant deadline = Instant.now().plusMillis(timeout);
        Future<Response> exchange = EXCHANGES.submit(() -> follow(uri, origin, timeout, deadline));
        try {
            return exchange.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new NoAnswer("no answer within " + timeout + " ms");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refused refused) {
                throw refused;
            }
            throw new NoAnswer(describe(e.getCause(), timeout));
        }
    }

    /**
     * The address to connect to for a URL: every address of its host is checked, and the first one is used.
     *
     * @throws Refused when one of them may not be connected to, or plain http leaves the loopback interface
     */
    public static InetAddress checkedAddress(URI uri, Origin origin) throws Refused, UnknownHostException {
        String host = uri.getHost();
        InetAddress[] addresses = InetAddress.getAllByName(host);
        for (InetAddress address : addresses) {
            String refused = refusal(address, origin);
            if (refused != null) {
                throw new Refused(host + " resolves to " + address.getHostAddress() + ", " + refused + ": not connected to");
            }
            if (!"https".equalsIgnoreCase(uri.getScheme()) && !address.isLoopbackAddress()) {
                throw new Refused(uri.getScheme() + "://" + host + " is not https: plain http only on the loopback interface");
            }
        }
        return addresses[0];
    }

    /** Why an address may not be connected to, or null when it may (a public or loopback address). */
    static String refusal(InetAddress address, Origin origin) {
        if (address.isLoopbackAddress()) {
            return null;
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        if (address.isAnyLocalAddress()) {
            return "an unspecified address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (the instance metadata service is 169.254.169.254)";
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 4 && (bytes[0] & 0xff) == 0) {
            return "a reserved address";
        }
        if (address.equals(EC2_METADATA_V6)) {
            return "the instance metadata service's IPv6 address";
        }
        boolean shared = bytes.length == 4 && (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
        boolean uniqueLocal = address instanceof Inet6Address && (bytes[0] & 0xfe) == 0xfc;
        if (origin == Origin.PUBLISHED && (address.isSiteLocalAddress() || shared || uniqueLocal)) {
            return "a private address, which only a configured URL may name";
        }
        return null;
    }

    /** Exchanges, following a redirect only on the same scheme, host and port. */
    private static Response follow(URI uri, Origin origin, long timeout, Instant deadline) throws IOException {
        Instant sent = Instant.now();
        URI at = uri;
        for (int hop = 0; ; hop++) {
            Exchanged exchanged = exchange(at, origin, timeout, deadline);
            String location = exchanged.headers().get("location");
            if (exchanged.status() / 100 != 3 || location == null || hop == MAX_REDIRECTS) {
                Instant received = Instant.now();
                Instant midpoint = sent.plus(Duration.between(sent, received).dividedBy(2));
                Optional<Duration> skew = Optional.ofNullable(exchanged.headers().get("date")).flatMap(Http::parseDate)
                        .map(date -> Duration.between(midpoint, date));
                return new Response(exchanged.status(), exchanged.body(), Optional.ofNullable(exchanged.headers().get("cache-control")), skew,
                        Duration.between(sent, received));
            }
            URI next;
            try {
                next = at.resolve(location);
            } catch (IllegalArgumentException e) {
                throw new Refused(at + " redirects to a location that is not a URL: not followed");
            }
            if (next.getHost() == null || !at.getScheme().equalsIgnoreCase(next.getScheme()) || !at.getHost().equalsIgnoreCase(next.getHost())
                    || port(next) != port(at)) {
                throw new Refused(at + " redirects to " + next.getScheme() + "://" + next.getHost() + ":" + port(next)
                        + ", another host: not followed");
            }
            at = next;
        }
    }

    private record Exchanged(int status, Map<String, String> headers, String body) {}

    private static Exchanged exchange(URI uri, Origin origin, long timeout, Instant deadline) throws IOException {
        InetAddress address = checkedAddress(uri, origin);
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        int port = port(uri);
        Socket socket = new Socket(Proxy.NO_PROXY);
        try {
            socket.connect(new InetSocketAddress(address, port), (int) Math.min(CONNECT_TIMEOUT_MILLIS, timeout));
            socket.setSoTimeout((int) timeout);
            if (tls) {
                socket = secure(socket, uri.getHost().replaceAll("^\\[|]$", ""), port);
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String host = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " HTTP/1.1\r\nHost: " + host
                    + "\r\nAccept: application/json\r\nUser-Agent: auth-responder\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String statusLine = line(in);
            String[] parts = statusLine == null ? new String[0] : statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer");
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status: " + parts[1]);
            }
            Map<String, String> headers = new HashMap<>();
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                if (colon > 0) {
                    headers.putIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
                }
            }
            return new Exchanged(status, headers, body(framed(in, headers, status), deadline));
        } finally {
            socket.close();
        }
    }

    /** TLS over the connected socket, for the URL's host name: its certificate is verified against that name (SNI too). */
    private static Socket secure(Socket socket, String host, int port) throws IOException {
        SSLSocketFactory factory = HttpsURLConnection.getDefaultSSLSocketFactory();
        SSLSocket tls = (SSLSocket) factory.createSocket(socket, host, port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!host.contains(":") && !host.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    /** The body as the headers frame it: chunked, a Content-Length, or up to the end of the connection. */
    private static InputStream framed(InputStream in, Map<String, String> headers, int status) throws IOException {
        if (status / 100 == 1 || status == 204 || status == 304) {
            return InputStream.nullInputStream();
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return new Chunked(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            long bytes;
            try {
                bytes = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new IOException("not a Content-Length: " + length);
            }
            if (bytes > MAX_BODY_BYTES) {
                throw new IOException("the body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            return new BoundedInputStream(in, bytes);
        }
        return in;
    }

    /** A body read in blocks; a byte at a time only through them. */
    private abstract static class Body extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }
    }

    /** At most so many bytes of a stream. */
    private static final class BoundedInputStream extends Body {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int read = in.read(buffer, offset, (int) Math.min(length, left));
            if (read == -1) {
                throw new IOException("the connection closed before the whole body came");
            }
            left -= read;
            return read;
        }
    }

    /** A chunked body (RFC 9112 7.1), its chunks joined; trailers are skipped. */
    private static final class Chunked extends Body {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                if (size == null) {
                    throw new IOException("the connection closed inside a chunked body");
                }
                int extension = size.indexOf(';');
                try {
                    left = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("not a chunk size: " + size);
                }
                if (left == 0) {
                    for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                        // skipped
                    }
                    done = true;
                    return -1;
                }
            }
            int read = in.read(buffer, offset, (int) Math.min(length, left));
            if (read == -1) {
                throw new IOException("the connection closed inside a chunk");
            }
            left -= read;
            if (left == 0) {
                line(in);
            }
            return read;
        }
    }

    /** One CRLF-terminated line in ISO-8859-1, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                int end = text.length();
                return end > 0 && text.charAt(end - 1) == '\r' ? text.substring(0, end - 1) : text.toString();
            }
            if (text.length() > MAX_HEADER_BYTES) {
                throw new IOException("a header line longer than " + MAX_HEADER_BYTES + " bytes");
            }
            text.append((char) b);
        }
        return text.isEmpty() ? null : text.toString();
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** The body, refused past MAX_BODY_BYTES or the deadline; an error status may come with none. */
    private static String body(InputStream stream, Instant deadline) throws IOException {
        if (stream == null) {
            return "";
        }
        try (stream) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            for (int read = stream.read(chunk); read != -1; read = stream.read(chunk)) {
                body.write(chunk, 0, read);
                if (body.size() > MAX_BODY_BYTES) {
                    throw new IOException("the body is larger than " + MAX_BODY_BYTES + " bytes");
                }
                if (Thread.currentThread().isInterrupted() || Instant.now().isAfter(deadline)) {
                    throw new SocketTimeoutException("the body was still coming at the deadline");
                }
            }
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    private static String describe(Throwable cause, long timeout) {
        if (cause instanceof SocketTimeoutException) {
            return "no answer within " + timeout + " ms";
        }
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static Optional<Instant> parseDate(String header) {
        try {
            return Optional.of(ZonedDateTime.parse(header, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** max-age from a Cache-Control header, in seconds, if it has one. */
    public static Optional<Long> maxAge(String cacheControl) {
        for (String directive : cacheControl.split(",")) {
            String d = directive.trim().toLowerCase();
            if (d.startsWith("max-age=")) {
                try {
                    return Optional.of(Long.parseLong(d.substring(8).replace("\"", "")));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
