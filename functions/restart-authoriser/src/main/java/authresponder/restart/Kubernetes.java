package authresponder.restart;

import authresponder.core.Budget;
import authresponder.core.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The few Kubernetes API calls a rollout restart needs, over the JDK's HTTP client (it can PATCH), trusting
 * only the cluster's own certificate authority.
 */
final class Kubernetes implements AutoCloseable {
    private static final Duration CALL_CAP = Duration.ofSeconds(10);

    private final URI endpoint;
    private final HttpClient http;
    private final Supplier<String> token;

    /** @param certificateAuthority the cluster's CA as EKS gives it: base64 of the PEM */
    Kubernetes(URI endpoint, String certificateAuthority, Supplier<String> token) {
        this.endpoint = endpoint;
        this.token = token;
        this.http = HttpClient.newBuilder().sslContext(trusting(certificateAuthority)).connectTimeout(Duration.ofSeconds(3)).build();
    }

    /** Lets the client's selector thread end once its exchanges have, without waiting for it: one client per restart. */
    @Override
    public void close() {
        http.shutdown();
    }

    /** A refusal or an error from the API server, with its HTTP status and the server's message. */
    static final class ApiException extends RuntimeException {
        final int status;

        ApiException(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    static String deploymentPath(String namespace, String name) {
        return "/apis/apps/v1/namespaces/" + namespace + "/deployments/" + name;
    }

    JsonObject get(String path, Budget budget) throws IOException, InterruptedException {
        return send(request(path, budget).GET().build());
    }

    JsonObject strategicMergePatch(String path, JsonObject patch, Budget budget) throws IOException, InterruptedException {
        return send(request(path, budget).header("Content-Type", "application/strategic-merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(patch.toString())).build());
    }

    private HttpRequest.Builder request(String path, Budget budget) {
        return HttpRequest.newBuilder(endpoint.resolve(path)).timeout(budget.timeout(CALL_CAP))
                .header("Authorization", "Bearer " + token.get()).header("Accept", "application/json");
    }

    private JsonObject send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonObject body = parse(response.body());
        if (response.statusCode() / 100 != 2) {
            String message = body.has("message") ? body.get("message").getAsString() : "no message";
            String hint = response.statusCode() == 401 || response.statusCode() == 403
                    ? " (is the function's role granted access to the cluster: an EKS access entry or aws-auth mapping?)" : "";
            throw new ApiException(response.statusCode(), request.method() + " " + request.uri().getPath() + " answered "
                    + response.statusCode() + ": " + message + hint);
        }
        return body;
    }

    private static JsonObject parse(String text) {
        try {
            JsonElement element = Json.parse(text);
            return element.isJsonObject() ? element.getAsJsonObject() : new JsonObject();
        } catch (RuntimeException e) {
            return new JsonObject();
        }
    }

    private static SSLContext trusting(String certificateAuthority) {
        try {
            byte[] pem = Base64.getMimeDecoder().decode(certificateAuthority);
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (certificates.isEmpty()) {
                throw new GeneralSecurityException("no certificate in it");
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("cluster-ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new IllegalStateException("the cluster's certificate authority is not a PEM certificate: " + e.getMessage());
        }
    }

}
