package authresponder.coldstart;

import authresponder.core.Json;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The cold-start report, in Markdown, from what bin/bench-coldstart left in its output folder: a table of
 * medians per function and variant (the driver's phase stamps, hyperfine's whole-process time), a legend of
 * the variants, and each function jar's listing: what it carries, part by part, and how many classes of each
 * part the JVM loaded in a cold init and two invocations. A part with nothing loaded is a dependency that the
 * measured path does not call.
 */
public final class Report {
    /** One run of the driver: its phase stamps and what the two invocations answered. */
    record Run(double jvmStartMs, double initMs, double invoke1Ms, double invoke2Ms, double peakRssMb, String outcome1, String outcome2) {}

    /** One function measured with one variant. */
    record Row(String function, String variant, List<Path> jars, String runtime, String flags, List<Run> runs, double processMs) {}

    /** A part of a jar (a library, or a package of the AWS SDK): classes in it, compressed bytes, classes loaded. */
    record Part(String name, int classes, long compressedBytes, int loaded) {}

    private Report() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report OUTPUT_FOLDER");
            System.exit(2);
        }
        System.out.print(render(Path.of(args[0])));
    }

    static String render(Path out) throws IOException {
        List<Row> rows = rows(out);
        StringBuilder md = new StringBuilder();
        md.append("```\n").append(Files.readString(out.resolve("machine.txt"))).append("```\n\n");
        md.append("| function | variant | jar MB | init ms | 1st invoke ms | init + 1st ms | 2nd invoke ms | whole process ms | peak RSS MB | outcomes |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row row : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.0f | %.0f | **%.0f** | %.0f | %.0f | %.0f | %s |\n",
                    row.function(), row.variant(), megabytes(row.jars()), median(row.runs(), Run::initMs), median(row.runs(), Run::invoke1Ms),
                    median(row.runs(), r -> r.initMs() + r.invoke1Ms()), median(row.runs(), Run::invoke2Ms), row.processMs(),
                    median(row.runs(), Run::peakRssMb), outcomes(row.runs())));
        }
        md.append("\nVariants (flags as given to `java`; on the managed runtime they go in `JAVA_TOOL_OPTIONS`):\n\n");
        Map<String, String> legend = new TreeMap<>();
        for (Row row : rows) {
            String runtime = row.runtime().contains("/jre/") ? "jlinked JRE, jar on the class path" : "JDK, jar through the runtime's class loader";
            String flags = row.flags().replace(out.toString(), ".bench/coldstart").replace("/" + row.function() + ".", "/FUNCTION.");
            legend.putIfAbsent(row.variant(), runtime + "; `" + (flags.isBlank() ? "(no flags)" : flags) + "`");
        }
        legend.forEach((variant, description) -> md.append("- `").append(variant).append("`: ").append(description).append('\n'));

        Set<String> functions = new LinkedHashSet<>();
        rows.forEach(row -> functions.add(row.function()));
        for (String function : functions) {
            // The listing is of the jar the class log was taken with: today's, as the managed runtime runs it.
            List<Row> ofFunction = rows.stream().filter(r -> r.function().equals(function)).toList();
            Path jar = ofFunction.stream().filter(r -> r.variant().equals("managed")).findFirst()
                    .orElse(ofFunction.getFirst()).jars().getFirst();
            md.append("\n#### ").append(function).append(String.format(Locale.ROOT, " (%.1f MB)\n\n", megabytes(List.of(jar))));
            Path log = out.resolve("classes").resolve(function + ".log");
            Set<String> loaded = loadedClasses(log, jar);
            long all = Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(" source: ")).count() : 0;
            md.append("Artifacts: ").append(String.join(", ", artifacts(jar))).append("\n\n");
            md.append("Classes loaded by a cold init and two invocations: ").append(all).append(", ").append(loaded.size())
                    .append(" of them from the jar (a count that, unlike the times, does not depend on the machine's load).\n\n");
            md.append("| part | classes | KB compressed | classes loaded |\n|---|---:|---:|---:|\n");
            for (Part part : parts(jar, loaded)) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s |\n", part.name(), part.classes(), part.compressedBytes() / 1024,
                        part.loaded() == 0 ? "**0**" : String.valueOf(part.loaded())));
            }
        }
        return md.toString();
    }

    static List<Row> rows(Path out) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(out.resolve("index.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", -1);
            List<Path> jars = Arrays.stream(f[2].split(":")).map(Path::of).toList();
            List<Run> runs = Files.readAllLines(Path.of(f[5])).stream().filter(l -> !l.isBlank()).map(l -> Json.read(l, Run.class)).toList();
            rows.add(new Row(f[0], f[1], jars, f[3], f[4], runs, processMedianMs(f[6])));
        }
        return rows;
    }

    /** The median whole-process time over every run of hyperfine's exports (colon-separated: one per round). */
    private static double processMedianMs(String exports) throws IOException {
        List<Double> seconds = new ArrayList<>();
        for (String export : exports.split(":")) {
            JsonObject process = Json.parseObject(Files.readString(Path.of(export)), "hyperfine's export");
            process.getAsJsonArray("results").get(0).getAsJsonObject().getAsJsonArray("times").forEach(time -> seconds.add(time.getAsDouble()));
        }
        return median(seconds, Double::doubleValue) * 1000;
    }

    static <T> double median(List<T> items, ToDoubleFunction<T> value) {
        double[] values = items.stream().mapToDouble(value).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static String outcomes(List<Run> runs) {
        Set<String> seen = new LinkedHashSet<>();
        runs.forEach(run -> seen.add(run.outcome1() + " / " + run.outcome2()));
        return String.join(", ", seen);
    }

    private static double megabytes(List<Path> jars) {
        return jars.stream().mapToLong(jar -> {
            try {
                return Files.size(jar);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).sum() / 1_000_000.0;
    }

    /** The group:artifact:version of every library shaded into the jar, from the pom.properties the shade plugin keeps. */
    static List<String> artifacts(Path jar) throws IOException {
        List<String> artifacts = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.properties")) {
                    Properties pom = new Properties();
                    pom.load(zip.getInputStream(entry));
                    artifacts.add(pom.getProperty("groupId") + ":" + pom.getProperty("artifactId") + ":" + pom.getProperty("version"));
                }
            }
        }
        Collections.sort(artifacts);
        return artifacts;
    }

    /** The jar's classes by part, biggest first, with how many of each the run loaded. */
    static List<Part> parts(Path jar, Set<String> loaded) throws IOException {
        Map<String, int[]> counts = new TreeMap<>();
        Map<String, Long> bytes = new TreeMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (!name.endsWith(".class") || name.startsWith("META-INF/")) {
                    continue;
                }
                String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                String part = part(className);
                int[] count = counts.computeIfAbsent(part, p -> new int[2]);
                count[0]++;
                if (loaded.contains(className)) {
                    count[1]++;
                }
                bytes.merge(part, entry.getCompressedSize(), Long::sum);
            }
        }
        List<Part> parts = new ArrayList<>();
        counts.forEach((name, count) -> parts.add(new Part(name, count[0], bytes.get(name), count[1])));
        parts.sort((a, b) -> Long.compare(b.compressedBytes(), a.compressedBytes()));
        return parts;
    }

    /** A library by its first package levels; the AWS SDK by its module's package, each service on its own. */
    static String part(String className) {
        String[] segments = className.split("\\.");
        int depth = className.startsWith("software.amazon.awssdk.services.") ? 5
                : className.startsWith("software.amazon.awssdk.") || className.startsWith("org.apache.commons.") ? 4
                : className.startsWith("authresponder.") ? 2 : 3;
        return String.join(".", Arrays.copyOf(segments, Math.max(1, Math.min(depth, segments.length - 1))));
    }

    /** The classes that {@code -Xlog:class+load} saw loaded from the jar. */
    static Set<String> loadedClasses(Path log, Path jar) throws IOException {
        Set<String> loaded = new LinkedHashSet<>();
        if (!Files.exists(log)) {
            return loaded;
        }
        String path = jar.toAbsolutePath().toString();
        for (String line : Files.readAllLines(log)) {
            int at = line.indexOf(" source: ");
            if (at < 0 || !line.substring(at).contains(path)) {
                continue;
            }
            loaded.add(line.substring(line.lastIndexOf("] ", at) + 2, at));
        }
        return loaded;
    }
}
