package software.amazon.awssdk.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.File;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The lazy provider against the SDK's own class of the same name, loaded from the SDK's jars alone. */
class GeneratedServiceMetadataProviderTest {
    private final GeneratedServiceMetadataProvider lazy = new GeneratedServiceMetadataProvider();

    @Test
    void answersEveryServiceTheSdkKnowsWithTheSameMetadata() throws Exception {
        Map<String, String> sdk = sdkProviderClasses();
        assertFalse(sdk.size() < 300, "the SDK's provider knows " + sdk.size() + " services");
        Map<String, String> ours = new TreeMap<>();
        for (String prefix : sdk.keySet()) {
            ServiceMetadata metadata = lazy.serviceMetadata(prefix);
            ours.put(prefix, metadata == null ? null : metadata.getClass().getName());
        }
        assertEquals(sdk, ours);
    }

    @Test
    void signsInTheClientsRegionForTheServicesTheFunctionsCall() {
        for (String prefix : List.of("dynamodb", "sns", "lambda", "eks", "elasticache", "secretsmanager", "logs", "sts")) {
            assertEquals(Region.EU_WEST_2, ServiceMetadata.of(prefix).signingRegion(Region.EU_WEST_2), prefix);
            assertNotEquals(DefaultServiceMetadata.class, ServiceMetadata.of(prefix).getClass(), prefix);
        }
    }

    @Test
    void keepsWhatItLoadedAndKnowsNothingOfAnUnknownService() {
        assertSame(lazy.serviceMetadata("dynamodb"), new GeneratedServiceMetadataProvider().serviceMetadata("dynamodb"));
        assertNull(lazy.serviceMetadata("no-such-service"));
        assertNull(lazy.serviceMetadata("../../Object"));
        assertEquals(DefaultServiceMetadata.class, ServiceMetadata.of("no-such-service").getClass());
    }

    /** Endpoint prefix to metadata class name, from the SDK's class, read in a loader that cannot see this module's classes. */
    private static Map<String, String> sdkProviderClasses() throws Exception {
        Path ours = Path.of(GeneratedServiceMetadataProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<URL> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith(".jar") && !Path.of(entry).equals(ours)) {
                jars.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader sdkOnly = new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> provider = sdkOnly.loadClass(GeneratedServiceMetadataProvider.class.getName());
            assertNotEquals(GeneratedServiceMetadataProvider.class.getProtectionDomain().getCodeSource().getLocation(),
                    provider.getProtectionDomain().getCodeSource().getLocation());
            Field field = provider.getDeclaredField("SERVICE_METADATA");
            field.setAccessible(true);
            Map<String, String> classes = new TreeMap<>();
            ((Map<?, ?>) field.get(null)).forEach((prefix, metadata) -> classes.put((String) prefix, metadata.getClass().getName()));
            return classes;
        }
    }
}
