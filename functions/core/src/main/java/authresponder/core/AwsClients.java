package authresponder.core;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Builds the AWS SDK clients of a function from its settings: region, credentials and endpoint come from
 * the same variables the SDK reads (AWS_REGION, AWS_ACCESS_KEY_ID..., AWS_ENDPOINT_URL), so one jar talks
 * to AWS, moto or LocalStack unchanged. HTTP goes through the url-connection client: the lightest to start.
 */
public final class AwsClients {
    /**
     * The SDK's own setting for its HTTP client. Unset, every client uses url-connection; set (e.g. in
     * JAVA_TOOL_OPTIONS), the SDK picks the named client from the class path: how the cold-start benchmark
     * puts the Apache and CRT clients side by side.
     */
    static final String HTTP_CLIENT_SETTING = "software.amazon.awssdk.http.service.impl";
    /** The function role's credentials: one provider for every client of the process, renewed after a SnapStart restore. */
    private static final RoleCredentials ROLE = new RoleCredentials();
    /**
     * One HTTP client for every AWS SDK client of the process. Its TLS context (security providers, cipher
     * suites, trust store) is the costliest part of building an SDK client; shared, it is made once, and it
     * trusts Amazon's roots before the JDK's whole store ({@link AmazonTrust}). A service client's close()
     * leaves a client it was given open.
     */
    private static final Lazy<SdkHttpClient> HTTP = Lazy.of(() -> UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(3))
            .socketTimeout(Duration.ofSeconds(20))
            .tlsTrustManagersProvider(new AmazonTrust())
            .build());

    private final Env env;

    public AwsClients(Env env) {
        this.env = env;
    }

    /**
     * The groups TLS offers for key exchange, in order: the JDK's own list with secp384r1 before secp256r1. A
     * TLS 1.3 client sends a key share for its first group of each kind, X25519 and an EC curve, and the JDK's
     * first curve, secp256r1, costs a cold JVM about 0.2 s the first time (it precomputes a table for it);
     * secp384r1 costs about 20 ms once X25519 has run. Servers pick X25519 or either curve from the shares, and
     * one that accepts only secp256r1 still gets it, after one more round trip.
     */
    static final String KEY_EXCHANGE_GROUPS = "x25519,secp384r1,secp256r1,secp521r1,x448,ffdhe2048,ffdhe3072,ffdhe4096,ffdhe6144,ffdhe8192";
    /** The JDK's setting for them, read once, at the process's first TLS connection; an operator's own value stands. */
    static final String KEY_EXCHANGE_SETTING = "jdk.tls.namedGroups";

    /**
     * Orders TLS's key-exchange groups, before any connection is made, and starts making the shared HTTP client
     * on a thread of its own: every function calls AWS on every path, so each does this as its init phase
     * begins ({@link FunctionHandler}), beside the rest of the init.
     */
    static void prepareHttp() {
        if (System.getProperty(KEY_EXCHANGE_SETTING) == null) {
            System.setProperty(KEY_EXCHANGE_SETTING, KEY_EXCHANGE_GROUPS);
        }
        if (System.getProperty(HTTP_CLIENT_SETTING) == null) {
            HTTP.startNow();
        }
    }

    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder) {
        if (System.getProperty(HTTP_CLIENT_SETTING) == null) {
            builder.httpClient(HTTP.get());
        }
        builder.region(Region.of(env.required("AWS_REGION")));
        env.uri("AWS_ENDPOINT_URL").ifPresent(builder::endpointOverride);
        builder.credentialsProvider(credentials());
        ClientOverrideConfiguration given = builder.overrideConfiguration();
        builder.overrideConfiguration((given == null ? ClientOverrideConfiguration.builder() : given.toBuilder())
                .addExecutionInterceptor(Rehearsal.STOP).build());
        return builder.build();
    }

    /** The credentials of every client: the AWS_ACCESS_KEY_ID... variables when set, else the SDK's default chain (the Lambda role). */
    public AwsCredentialsProvider credentials() {
        return env.optional("AWS_ACCESS_KEY_ID")
                .<AwsCredentialsProvider>map(id -> StaticCredentialsProvider.create(env.optional("AWS_SESSION_TOKEN")
                        .<AwsCredentials>map(token -> AwsSessionCredentials.create(id, env.required("AWS_SECRET_ACCESS_KEY"), token))
                        .orElseGet(() -> AwsBasicCredentials.create(id, env.required("AWS_SECRET_ACCESS_KEY")))))
                .orElse(ROLE);
    }

    /**
     * Forgets the role credentials resolved so far: after a SnapStart restore the next call resolves them
     * afresh (Lambda hands a SnapStart function its role through the container credentials endpoint).
     */
    public static void renewCredentials() {
        ROLE.renew();
    }

    /** Per-call timeout from the invocation's budget, so no AWS call outlives the function. */
    public static AwsRequestOverrideConfiguration within(Budget budget, Duration cap) {
        Duration timeout = budget.timeout(cap);
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(timeout).apiCallAttemptTimeout(timeout).build();
    }

    /** The SDK's default chain, made on first use and made anew after renew(). */
    private static final class RoleCredentials implements AwsCredentialsProvider {
        private volatile DefaultCredentialsProvider chain;

        @Override
        public AwsCredentials resolveCredentials() {
            DefaultCredentialsProvider current = chain;
            if (current == null) {
                synchronized (this) {
                    if (chain == null) {
                        chain = DefaultCredentialsProvider.builder().build();
                    }
                    current = chain;
                }
            }
            return current.resolveCredentials();
        }

        synchronized void renew() {
            if (chain != null) {
                chain.close();
                chain = null;
            }
        }
    }
}
