package authresponder.restart;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * The bearer token an EKS cluster accepts, made as {@code aws eks get-token} makes it: an STS
 * GetCallerIdentity request presigned for 60 seconds with the cluster's name in the signed
 * {@code x-k8s-aws-id} header, as unpadded base64url behind {@code k8s-aws-v1.}. The cluster asks STS who
 * signed it. The token is a credential: it is never logged or returned.
 */
final class EksToken {
    static final String PREFIX = "k8s-aws-v1.";
    static final String CLUSTER_HEADER = "x-k8s-aws-id";
    private static final Duration LIFETIME = Duration.ofSeconds(60);

    private final AwsCredentialsProvider credentials;
    private final String region;
    private final URI sts;
    private final Clock clock;

    /** @param sts the STS endpoint: {@code https://sts.REGION.amazonaws.com}, or a local emulator's */
    EksToken(AwsCredentialsProvider credentials, String region, URI sts, Clock clock) {
        this.credentials = credentials;
        this.region = region;
        this.sts = sts;
        this.clock = clock;
    }

    String forCluster(String cluster) {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.GET)
                .uri(sts)
                .encodedPath("/")
                .putRawQueryParameter("Action", "GetCallerIdentity")
                .putRawQueryParameter("Version", "2011-06-15")
                .putHeader(CLUSTER_HEADER, cluster)
                .build();
        var signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, LIFETIME)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        String url = signed.request().getUri().toString();
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(url.getBytes(StandardCharsets.UTF_8));
    }
}
