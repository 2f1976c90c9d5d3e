package software.amazon.awssdk.regions;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replaces the AWS SDK's own class of this name (excluded from every function jar by the parent pom's shade
 * filter). The SDK's version builds the metadata of all of its 300-odd services in its static initializer,
 * the first time any client is built: about 0.2 s of a cold start, for the one service the client is for.
 * This one loads a service's metadata class when it is first asked for, by the name the SDK's generator
 * gives it ({@code api.ecr} is {@code ApiEcrServiceMetadata}); an unknown service gets {@code null}, on which
 * {@link ServiceMetadata#of} falls back to its default, as it does with the SDK's class.
 * GeneratedServiceMetadataProviderTest checks that it answers every service the SDK's class knows with the
 * same metadata class. Upstream, aws/aws-sdk-java-v2#7161 stops client creation from consulting it at all;
 * delete this class (and the shade filter) once the Maven mirror has a version with it for every service used.
 */
public final class GeneratedServiceMetadataProvider implements ServiceMetadataProvider {
    private static final String PACKAGE = "software.amazon.awssdk.regions.servicemetadata.";
    /** The one service whose class does not follow the naming rule. */
    private static final Map<String, String> EXCEPTIONS = Map.of("s3", "EnhancedS3ServiceMetadata");
    private static final Map<String, Optional<ServiceMetadata>> LOADED = new ConcurrentHashMap<>();

    @Override
    public ServiceMetadata serviceMetadata(String endpointPrefix) {
        return LOADED.computeIfAbsent(endpointPrefix, GeneratedServiceMetadataProvider::load).orElse(null);
    }

    private static Optional<ServiceMetadata> load(String endpointPrefix) {
        try {
            Class<?> type = Class.forName(PACKAGE + className(endpointPrefix), true,
                GeneratedServiceMetadataProvider.class.getClassLoader());
            return Optional.of(type.asSubclass(ServiceMetadata.class).getConstructor().newInstance());
        } catch (ReflectiveOperationException | ClassCastException notAService) {
            return Optional.empty();
        }
    }

    static String className(String endpointPrefix) {
        String exception = EXCEPTIONS.get(endpointPrefix);
        if (exception != null) {
            return exception;
        }
        StringBuilder name = new StringBuilder();
        for (String part : endpointPrefix.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                name.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
            }
        }
        return name.append("ServiceMetadata").toString();
    }
}
