package authresponder.coldstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report reads what bin/bench-coldstart leaves behind: driver lines, hyperfine exports, class-load logs, the jar. */
class ReportTest {
    @TempDir
    Path out;

    @Test
    void mediansPerFunctionAndVariantAndWhatTheJarCarriesAndTheRunLoaded() throws IOException {
        Path jar = jar(out.resolve("flush-cache.jar"), "authresponder/flushcache/FlushCacheHandler.class",
                "redis/clients/jedis/Jedis.class", "redis/clients/jedis/Connection.class",
                "software/amazon/awssdk/services/elasticache/ElastiCacheClient.class");
        Path results = Files.writeString(out.resolve("runs.jsonl"), String.join("\n",
                run(300, 200, 30, "DRY_RUN"), run(100, 400, 10, "DRY_RUN"), run(200, 300, 20, "FAILED")) + "\n");
        // one hyperfine export per round: the whole-process median is over every run of them all
        String process = Files.writeString(out.resolve("round1.json"), "{\"results\":[{\"median\":0.51,\"times\":[0.51]}]}") + ":"
                + Files.writeString(out.resolve("round2.json"), "{\"results\":[{\"median\":0.9,\"times\":[0.9]}]}") + ":"
                + Files.writeString(out.resolve("round3.json"), "{\"results\":[{\"median\":0.5125,\"times\":[0.5125]}]}");
        Path baseline = jar(out.resolve("flush-cache-baseline.jar"), "authresponder/flushcache/FlushCacheHandler.class");
        Files.writeString(out.resolve("index.tsv"), "function\tvariant\tjars\truntime\tflags\tresults\tprocess\n"
                + String.join("\t", "flush-cache", "managed-baseline", baseline.toString(), "/jdk/bin/java", "-XX:TieredStopAtLevel=1",
                results.toString(), process) + "\n"
                + String.join("\t", "flush-cache", "managed", jar.toString(), "/jdk/bin/java", "-XX:TieredStopAtLevel=1",
                results.toString(), process) + "\n");
        Files.writeString(out.resolve("machine.txt"), "machine: test\n");
        Files.createDirectories(out.resolve("classes"));
        Files.writeString(out.resolve("classes/flush-cache.log"), String.join("\n",
                "[0.100s][info][class,load] java.lang.Object source: shared objects file",
                "[0.200s][info][class,load] authresponder.flushcache.FlushCacheHandler source: file:" + jar.toAbsolutePath(),
                "[0.300s][info][class,load] redis.clients.jedis.Connection source: file:" + jar.toAbsolutePath()) + "\n");

        String report = Report.render(out);

        // medians of 3 runs: init 200, first invoke 300, init + first 500 (each run's sum: 500, 500, 500), second 20
        assertTrue(report.contains("| flush-cache | managed | 0.0 | 200 | 300 | **500** | 20 | 513 | 64 | DRY_RUN / DRY_RUN, FAILED / FAILED |"), report);
        assertTrue(report.contains("- `managed`: JDK, jar through the runtime's class loader; `-XX:TieredStopAtLevel=1`"), report);
        assertTrue(report.contains("| redis.clients.jedis | 2 |"), report);
        assertTrue(report.contains("Classes loaded by a cold init and two invocations: 3, 2 of them from the jar"), report);
        assertTrue(report.contains("| software.amazon.awssdk.services.elasticache | 1 | 0 | **0** |"), "a part nothing was loaded from stands out: " + report);
    }

    @Test
    void partsAreLibrariesAndSdkModulesWithEachServiceOnItsOwn() {
        assertEquals("software.amazon.awssdk.services.lambda", Report.part("software.amazon.awssdk.services.lambda.model.GetFunctionRequest"));
        assertEquals("software.amazon.awssdk.core", Report.part("software.amazon.awssdk.core.client.handler.SyncClientHandler"));
        assertEquals("redis.clients.jedis", Report.part("redis.clients.jedis.commands.KeyCommands"));
        assertEquals("authresponder.core", Report.part("authresponder.core.ledger.Ledger"));
        assertEquals("org.apache.commons.pool2", Report.part("org.apache.commons.pool2.impl.GenericObjectPool"));
        assertEquals("org.json", Report.part("org.json.JSONObject"));
    }

    @Test
    void onlyClassesLoadedFromTheFunctionJarCount() throws IOException {
        Path jar = out.resolve("f.jar");
        Path log = Files.writeString(out.resolve("f.log"), String.join("\n",
                "[0.1s][info][class,load] java.util.List source: shared objects file",
                "[0.2s][info][class,load] a.B source: file:" + jar.toAbsolutePath(),
                "[0.3s][info][class,load] a.C source: file:/elsewhere/other.jar",
                "[0.4s][info][class,load] a.B$$Lambda/0x01 source: a.B"));
        assertEquals(Set.of("a.B"), Report.loadedClasses(log, jar));
    }

    private static String run(double initMs, double invoke1Ms, double invoke2Ms, String outcome) {
        return "{\"jvmStartMs\":40,\"initMs\":" + initMs + ",\"invoke1Ms\":" + invoke1Ms + ",\"invoke2Ms\":" + invoke2Ms
                + ",\"peakRssMb\":64,\"outcome1\":\"" + outcome + "\",\"outcome2\":\"" + outcome + "\"}";
    }

    private static Path jar(Path file, String... classes) throws IOException {
        try (OutputStream bytes = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(bytes)) {
            for (String name : List.of(classes)) {
                jar.putNextEntry(new ZipEntry(name));
                jar.write(new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE});
                jar.closeEntry();
            }
        }
        return file;
    }
}
