package authresponder.cache;

import authresponder.core.AwsClients;
import authresponder.core.Budget;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.Json;
import authresponder.core.Lazy;
import authresponder.core.Rehearsal;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.elasticache.ElastiCacheClient;
import software.amazon.awssdk.services.elasticache.model.Endpoint;
import software.amazon.awssdk.services.elasticache.model.ReplicationGroup;
import software.amazon.awssdk.services.elasticache.model.ReplicationGroupNotFoundException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Finds the cache and opens it: the endpoint from CACHE_URL or from the ElastiCache replication group,
 * the AUTH token from CACHE_AUTH_TOKEN or Secrets Manager. Build one per function (in its constructor);
 * what it resolves is kept for the warm container and looked up again after a failed connection, so a
 * rotated token or a moved endpoint is picked up on the next invocation.
 */
public final class CacheConnector {
    private static final Duration AWS_CALL_CAP = Duration.ofSeconds(3);

    private final CacheSettings settings;
    private final SSLSocketFactory tlsSocketFactory;
    private final Lazy<ElastiCacheClient> elastiCache;
    private final Lazy<SecretsManagerClient> secrets;
    private CacheEndpoint endpoint;
    private Dialer.Credentials credentials;

    public CacheConnector(Env env) {
        this.settings = CacheSettings.from(env);
        AwsClients aws = new AwsClients(env);
        this.elastiCache = Lazy.of(() -> aws.build(ElastiCacheClient.builder()), client -> Rehearsal.run(() ->
                client.describeReplicationGroups(r -> r.replicationGroupId("rehearsal").overrideConfiguration(Rehearsal.only()))));
        this.secrets = Lazy.of(() -> aws.build(SecretsManagerClient.builder()), client -> Rehearsal.run(() ->
                client.getSecretValue(r -> r.secretId("rehearsal").overrideConfiguration(Rehearsal.only()))));
        this.tlsSocketFactory = settings.tlsCaFile().map(CacheConnector::trusting).orElse(null);
    }

    /** The AWS clients the settings need on every connection: a replication group to find, a secret to read. */
    public List<Lazy<?>> clients() {
        List<Lazy<?>> clients = new ArrayList<>();
        settings.replicationGroupId().ifPresent(group -> clients.add(elastiCache));
        settings.authSecretArn().ifPresent(arn -> clients.add(secrets));
        return clients;
    }

    public CacheSettings settings() {
        return settings;
    }

    /** Connects to every primary within the budget; throws CacheException saying which step failed. */
    public synchronized Cache open(Budget budget) {
        CacheEndpoint seed = endpoint(budget);
        Dialer dialer = new Dialer(credentials(budget), tlsSocketFactory);
        try {
            return Cache.open(seed, dialer, budget);
        } catch (CacheException e) {
            endpoint = null;
            credentials = null;
            throw e;
        }
    }

    /** The endpoint to connect to first: the URL, or the replication group's primary or configuration endpoint. */
    public synchronized CacheEndpoint endpoint(Budget budget) {
        if (endpoint == null) {
            endpoint = settings.url()
                    .map(url -> new CacheEndpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : 6379, "rediss".equals(url.getScheme())))
                    .orElseGet(() -> resolve(settings.replicationGroupId().orElseThrow(), budget));
        }
        return endpoint;
    }

    private CacheEndpoint resolve(String groupId, Budget budget) {
        ReplicationGroup group;
        try {
            group = elastiCache.get().describeReplicationGroups(r -> r.replicationGroupId(groupId)
                    .overrideConfiguration(AwsClients.within(budget, AWS_CALL_CAP))).replicationGroups().getFirst();
        } catch (ReplicationGroupNotFoundException e) {
            throw new CacheException("ElastiCache replication group " + groupId + " does not exist (" + CacheSettings.REPLICATION_GROUP_ID + ")", e);
        } catch (SdkException e) {
            throw new CacheException("could not describe ElastiCache replication group " + groupId + ": " + e.getMessage(), e);
        }
        return fromReplicationGroup(group);
    }

    /** Cluster mode: the configuration endpoint (every shard is found from it); otherwise the primary endpoint. */
    static CacheEndpoint fromReplicationGroup(ReplicationGroup group) {
        boolean tls = Boolean.TRUE.equals(group.transitEncryptionEnabled());
        Endpoint address = group.configurationEndpoint() != null ? group.configurationEndpoint()
                : group.nodeGroups().isEmpty() ? null : group.nodeGroups().getFirst().primaryEndpoint();
        if (address == null || address.address() == null) {
            throw new CacheException("ElastiCache replication group " + group.replicationGroupId()
                    + " has no endpoint yet (status " + group.status() + ")");
        }
        return new CacheEndpoint(address.address(), address.port() != null ? address.port() : 6379, tls);
    }

    private Dialer.Credentials credentials(Budget budget) {
        if (credentials == null) {
            String username = settings.username().orElse(null);
            credentials = settings.authToken().map(token -> new Dialer.Credentials(username, token))
                    .or(() -> settings.authSecretArn().map(arn -> fromSecret(arn, username, budget)))
                    .orElse(username == null ? Dialer.Credentials.NONE : new Dialer.Credentials(username, null));
        }
        return credentials;
    }

    /** The secret is the token itself, or JSON with "password" (and "username"), as Secrets Manager rotation writes it. */
    private Dialer.Credentials fromSecret(String arn, String username, Budget budget) {
        String value;
        try {
            value = secrets.get().getSecretValue(r -> r.secretId(arn).overrideConfiguration(AwsClients.within(budget, AWS_CALL_CAP))).secretString();
        } catch (SdkException e) {
            throw new CacheException("could not read the cache AUTH secret " + arn + " (" + CacheSettings.AUTH_SECRET_ARN + "): " + e.getMessage(), e);
        }
        if (value == null || value.isBlank()) {
            throw new CacheException("the cache AUTH secret " + arn + " has no SecretString");
        }
        if (!value.trim().startsWith("{")) {
            return new Dialer.Credentials(username, value.trim());
        }
        JsonObject json;
        try {
            json = Json.parse(value).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new CacheException("the cache AUTH secret " + arn + " looks like JSON but does not parse");
        }
        JsonElement password = json.get("password");
        if (password == null || !password.isJsonPrimitive()) {
            throw new CacheException("the cache AUTH secret " + arn + " is JSON without a \"password\" field");
        }
        JsonElement user = json.get("username");
        return new Dialer.Credentials(user != null && user.isJsonPrimitive() ? user.getAsString() : username, password.getAsString());
    }

    private static SSLSocketFactory trusting(java.nio.file.Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new ConfigException(CacheSettings.TLS_CA_FILE + " holds no PEM certificate: " + caFile);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(CacheSettings.TLS_CA_FILE + " could not be read as PEM certificates: " + e.getMessage());
        }
    }
}
