package authresponder.restart;

import authresponder.testkit.SelfSignedCertificate;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Kubernetes API server stand-in over HTTPS on loopback, with a self-signed certificate.
 * It checks each bearer token as EKS does (asks STS who presigned it, for this cluster), applies a
 * strategic-merge patch to the deployments it stores, and moves a patched deployment's rollout one step
 * per read until every new replica is available (unless {@link #stuck}). It also answers EKS
 * DescribeCluster in EKS's REST-JSON format, pointing at itself.
 */
final class KubernetesStandIn implements AutoCloseable {
    /** One certificate per test JVM: keytool takes a second. */
    private static final SelfSignedCertificate CERTIFICATE = SelfSignedCertificate.make("kubernetes");

    final String cluster;
    final List<String> patches = new ArrayList<>();
    final List<String> callers = new ArrayList<>();
    volatile boolean stuck;
    private final Map<String, JsonObject> deployments = new ConcurrentHashMap<>();
    private final HttpsServer server;
    private final HttpClient sts = HttpClient.newHttpClient();

    KubernetesStandIn(String cluster) {
        this.cluster = cluster;
        try {
            server = CERTIFICATE.server();
            server.createContext("/", this::handle);
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String endpoint() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The certificate authority as EKS gives it: base64 of the PEM. */
    String certificateAuthority() {
        return Base64.getEncoder().encodeToString(CERTIFICATE.pem().getBytes(StandardCharsets.UTF_8));
    }

    void deploy(String namespace, String name, int replicas) {
        JsonObject deployment = JsonParser.parseString("""
                {"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "%s", "namespace": "%s", "generation": 1},
                 "spec": {"replicas": %d, "template": {"metadata": {"labels": {"app": "%s"}}, "spec": {"containers": [{"name": "app"}]}}},
                 "status": {"observedGeneration": 1, "replicas": %d, "updatedReplicas": %d, "availableReplicas": %d}}
                """.formatted(name, namespace, replicas, name, replicas, replicas, replicas)).getAsJsonObject();
        deployments.put(namespace + "/" + name, deployment);
    }

    void pause(String namespace, String name) {
        deployments.get(namespace + "/" + name).getAsJsonObject("spec").addProperty("paused", true);
    }

    JsonObject deployment(String namespace, String name) {
        return deployments.get(namespace + "/" + name).deepCopy();
    }

    /** EKS DescribeCluster for this cluster, in EKS's wire format. */
    AwsFront.StandIn eks() {
        return (exchange, body) -> {
            if (!exchange.getRequestURI().getPath().equals("/clusters/" + cluster)) {
                AwsFront.answer(exchange, 404, "{\"message\":\"No cluster found for name: " + exchange.getRequestURI().getPath() + "\"}",
                        Map.of("X-Amzn-ErrorType", "ResourceNotFoundException"));
                return;
            }
            JsonObject answer = JsonParser.parseString("""
                    {"cluster": {"name": "%s", "arn": "arn:aws:eks:eu-west-2:123456789012:cluster/%s", "status": "ACTIVE",
                     "endpoint": "%s", "certificateAuthority": {"data": "%s"}}}
                    """.formatted(cluster, cluster, endpoint(), certificateAuthority())).getAsJsonObject();
            AwsFront.answer(exchange, 200, answer.toString(), Map.of());
        };
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String caller = authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
            if (caller == null) {
                AwsFront.answer(exchange, 401, "{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"code\":401}", Map.of());
                return;
            }
            synchronized (this) {
                callers.add(caller);
            }
            String[] path = exchange.getRequestURI().getPath().split("/");
            // /apis/apps/v1/namespaces/NS/deployments/NAME
            JsonObject deployment = path.length == 8 ? deployments.get(path[5] + "/" + path[7]) : null;
            if (deployment == null) {
                AwsFront.answer(exchange, 404, "{\"kind\":\"Status\",\"message\":\"deployments.apps not found\",\"code\":404}", Map.of());
                return;
            }
            synchronized (deployment) {
                switch (exchange.getRequestMethod()) {
                    case "GET" -> progress(deployment);
                    case "PATCH" -> {
                        if (!"application/strategic-merge-patch+json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
                            AwsFront.answer(exchange, 415, "{\"kind\":\"Status\",\"message\":\"unsupported patch type\",\"code\":415}", Map.of());
                            return;
                        }
                        synchronized (this) {
                            patches.add(path[5] + "/" + path[7] + " " + body);
                        }
                        merge(deployment, JsonParser.parseString(body).getAsJsonObject());
                        JsonObject metadata = deployment.getAsJsonObject("metadata");
                        metadata.addProperty("generation", metadata.get("generation").getAsLong() + 1);
                        deployment.getAsJsonObject("status").addProperty("updatedReplicas", 0);
                    }
                    default -> {
                        AwsFront.answer(exchange, 405, "{\"kind\":\"Status\",\"code\":405}", Map.of());
                        return;
                    }
                }
                AwsFront.answer(exchange, 200, deployment.toString(), Map.of());
            }
        }
    }

    /** One step of a rollout per read: observe the new template, then one new replica ready at a time. */
    private void progress(JsonObject deployment) {
        JsonObject spec = deployment.getAsJsonObject("spec");
        JsonObject status = deployment.getAsJsonObject("status");
        long generation = deployment.getAsJsonObject("metadata").get("generation").getAsLong();
        if (stuck || (spec.has("paused") && spec.get("paused").getAsBoolean())) {
            return;
        }
        int replicas = spec.get("replicas").getAsInt();
        if (status.get("observedGeneration").getAsLong() < generation) {
            status.addProperty("observedGeneration", generation);
            status.addProperty("replicas", replicas + 1);
            status.addProperty("availableReplicas", replicas);
        } else if (status.get("updatedReplicas").getAsInt() < replicas) {
            int updated = status.get("updatedReplicas").getAsInt() + 1;
            status.addProperty("updatedReplicas", updated);
            status.addProperty("availableReplicas", replicas);
            status.addProperty("replicas", updated == replicas ? replicas : replicas + 1);
        }
    }

    /** A strategic merge patch on maps is a recursive merge: what we send is only maps. */
    private static void merge(JsonObject into, JsonObject patch) {
        for (var entry : patch.entrySet()) {
            JsonElement current = into.get(entry.getKey());
            if (entry.getValue().isJsonNull()) {
                into.remove(entry.getKey());
            } else if (entry.getValue().isJsonObject() && current != null && current.isJsonObject()) {
                merge(current.getAsJsonObject(), entry.getValue().getAsJsonObject());
            } else {
                into.add(entry.getKey(), entry.getValue().deepCopy());
            }
        }
    }

    /** As EKS does: the token is a presigned STS GetCallerIdentity for this cluster; STS says who signed it. */
    private String authenticate(String authorization) {
        String prefix = "Bearer " + EksToken.PREFIX;
        if (authorization == null || !authorization.startsWith(prefix)) {
            return null;
        }
        String encoded = authorization.substring(prefix.length());
        if (encoded.contains("=")) {
            return null;
        }
        URI url = URI.create(new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8));
        Map<String, String> query = new java.util.HashMap<>();
        for (String pair : url.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        if (!"GetCallerIdentity".equals(query.get("Action")) || !"60".equals(query.get("X-Amz-Expires"))
                || !"host;x-k8s-aws-id".equals(query.get("X-Amz-SignedHeaders")) || !query.containsKey("X-Amz-Signature")) {
            return null;
        }
        try {
            HttpResponse<String> who = sts.send(HttpRequest.newBuilder(url).header(EksToken.CLUSTER_HEADER, cluster).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (who.statusCode() != 200 || !who.body().contains("<Arn>")) {
                return null;
            }
            return who.body().replaceAll("(?s).*<Arn>(.*)</Arn>.*", "$1");
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        sts.close();
    }
}
