package org.flinktriton.table;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code -sql} jar in one class path with Apache Flink's own Triton provider, {@code
 * org.apache.flink:flink-model-triton}, as both sit in a Flink distribution's {@code lib/}: Flink's
 * jar bundles OkHttp 4, Okio 3 and Kotlin 1.8 unrelocated, ours OkHttp 5, Okio, Kotlin 2, Jackson
 * and resilience4j; with both unrelocated, whichever jar comes first would serve its classes to
 * both providers.
 *
 * <p>{@link #theSqlJarHoldsOnlyRelocatedClasses} reads the jar: every class is under {@code
 * org/flinktriton/}, third-party ones (grpc-java and protobuf too) under {@code
 * org/flinktriton/shaded/}, every service file names relocated types only, each of them in the jar,
 * and Netty's native libraries carry the relocated package in their names. {@link
 * #bothProvidersRunOneQueryInOneClassPath} starts a JVM whose class path is Flink's (what {@code
 * lib/} holds, from {@code target/flink-classpath.txt}), then {@code flink-model-triton} and the
 * {@code -sql} jar in {@code lib/}'s alphabetical order, which puts Flink's jar first; that JVM
 * ({@link TwoProvidersJob}) runs one query on a MiniCluster that sends the same rows through {@code
 * 'provider' = 'triton'} and {@code 'provider' = 'flink-triton'} to a {@link TritonTestServer}
 * here, and reports where each provider's libraries load from.
 *
 * <p>Flink's jar is patched first ({@link FlinkModelTritonPatch}): its 2.3.0 release cannot run any
 * {@code ML_PREDICT} (an inverted type check and a field that cannot be serialized, both fixed on
 * Flink's master). The patch touches two of Flink's classes and none of the libraries it bundles.
 *
 * <p>Runs in {@code verify}, after {@code package} built the jar (failsafe).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlJarBesideFlinkTritonIT {
    /** The same model twice, one per provider, so that the server counts each apart. */
    private static final String THEIR_MODEL = "shout";

    private static final String OUR_MODEL = "shout_too";
    private static final List<String> WORDS =
            List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta");

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(ShoutModel.of(THEIR_MODEL, 0))
                        .model(ShoutModel.of(OUR_MODEL, 0))
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void theSqlJarHoldsOnlyRelocatedClasses() throws IOException {
        List<String> unrelocated = new ArrayList<>();
        List<String> services = new ArrayList<>();
        try (JarFile jar = new JarFile(sqlJar().toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String name = entry.getName();
                if (name.endsWith(".class") && !name.startsWith("org/flinktriton/")) {
                    unrelocated.add(name);
                }
                // Netty finds its native libraries by its (relocated) package, mangled.
                if (name.startsWith("META-INF/native/")
                        && !entry.isDirectory()
                        && !name.matches("META-INF/native/(lib)?org_flinktriton_shaded_.*")) {
                    unrelocated.add(name);
                }
                if (name.startsWith("META-INF/services/") && !entry.isDirectory()) {
                    String service = name.substring("META-INF/services/".length());
                    services.add(service);
                    String text = new String(jar.getInputStream(entry).readAllBytes(), UTF_8);
                    for (String line : text.split("\n")) {
                        String provider = line.replaceAll("#.*", "").trim();
                        if (!provider.isEmpty() && !provider.startsWith("org.flinktriton.")) {
                            unrelocated.add(name + " -> " + provider);
                        }
                        if (!provider.isEmpty()
                                && jar.getEntry(provider.replace('.', '/') + ".class") == null) {
                            unrelocated.add(name + " -> " + provider + " (not in the jar)");
                        }
                    }
                }
            }
        }
        assertThat(unrelocated)
                .as("classes and service providers of the -sql jar outside org.flinktriton")
                .isEmpty();
        assertThat(services)
                .as("service files: Flink's factory interface, the rest relocated")
                .contains("org.apache.flink.table.factories.Factory")
                // grpc-java finds its transport, load balancers and name resolvers through these.
                .contains(
                        "org.flinktriton.client.spi.TritonTransportProvider",
                        "org.flinktriton.shaded.io.grpc.ManagedChannelProvider",
                        "org.flinktriton.shaded.io.grpc.LoadBalancerProvider",
                        "org.flinktriton.shaded.io.grpc.NameResolverProvider")
                .allMatch(
                        service ->
                                service.equals("org.apache.flink.table.factories.Factory")
                                        || service.startsWith("org.flinktriton.shaded.")
                                        || service.equals(
                                                "org.flinktriton.client.spi"
                                                        + ".TritonTransportProvider"));
    }

    @Test
    void bothProvidersRunOneQueryInOneClassPath(@TempDir Path lib) throws Exception {
        Path theirs = Path.of(FlinkJvm.property("flinktriton.flinkModelTritonJar"));
        assertThat(theirs).as("copied by maven-dependency-plugin before this test").exists();
        Path patched = lib.resolve(theirs.getFileName().toString());
        FlinkModelTritonPatch.write(theirs, patched);
        Path ours = lib.resolve(sqlJar().getFileName().toString());
        Files.copy(sqlJar(), ours);

        // lib/ in the order Flink's scripts list it: sorted by name, so Flink's jar comes first.
        String text =
                FlinkJvm.run(
                        "both providers",
                        List.copyOf(new TreeSet<>(List.of(patched.toString(), ours.toString()))),
                        lib.resolve("job.out"),
                        TwoProvidersJob.class,
                        server.endpoint(),
                        THEIR_MODEL,
                        OUR_MODEL);

        Map<String, String> origins = new HashMap<>();
        Map<String, String> versions = new HashMap<>();
        Map<String, Map<Integer, String>> rows = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.split("\\|", -1);
            switch (fields[0]) {
                case "CLASS":
                    origins.put(fields[1], fields[2]);
                    break;
                case "VERSION":
                    versions.put(fields[1], fields[2]);
                    break;
                case "ROW":
                    rows.computeIfAbsent(fields[1], provider -> new HashMap<>())
                            .put(Integer.parseInt(fields[2]), fields[3]);
                    break;
                default:
                    break;
            }
        }
        // Each provider's libraries come from its own jar.
        String theirsJar = patched.toString();
        String oursJar = ours.toString();
        assertThat(origins)
                .as("where each class loads from:%n%s", text)
                .containsEntry("okhttp3.OkHttpClient", theirsJar)
                .containsEntry("okio.Buffer", theirsJar)
                .containsEntry("kotlin.Unit", theirsJar)
                .containsEntry(
                        "org.apache.flink.model.triton.TritonModelProviderFactory", theirsJar)
                .containsEntry("org.flinktriton.shaded.okhttp3.OkHttpClient", oursJar)
                .containsEntry("org.flinktriton.shaded.okio.Buffer", oursJar)
                .containsEntry("org.flinktriton.shaded.kotlin.Unit", oursJar)
                .containsEntry(
                        "org.flinktriton.shaded.com.fasterxml.jackson.databind.ObjectMapper",
                        oursJar)
                .containsEntry("org.flinktriton.shaded.io.github.resilience4j.retry.Retry", oursJar)
                .containsEntry("org.flinktriton.table.TritonModelProviderFactory", oursJar)
                // Flink's jar relocates its Jackson; neither jar adds these to the class path.
                .containsEntry("com.fasterxml.jackson.databind.ObjectMapper", "-")
                .containsEntry("io.github.resilience4j.retry.Retry", "-");
        assertThat(versions.get("okhttp3.OkHttp")).as("Flink's OkHttp").startsWith("4.");
        assertThat(versions.get("org.flinktriton.shaded.okhttp3.OkHttp"))
                .as("ours")
                .startsWith("5.");

        // And one query ran through both, each provider on its own model.
        Map<Integer, String> theirRows = new HashMap<>();
        Map<Integer, String> ourRows = new HashMap<>();
        for (int i = 0; i < WORDS.size(); i++) {
            (i < 4 ? theirRows : ourRows).put(i + 1, WORDS.get(i).toUpperCase(Locale.ROOT));
        }
        assertThat(text).contains("DONE");
        assertThat(rows.get("triton")).as("'provider' = 'triton':%n%s", text).isEqualTo(theirRows);
        assertThat(rows.get("flink-triton"))
                .as("'provider' = 'flink-triton':%n%s", text)
                .isEqualTo(ourRows);
        assertThat(server.stats().records(THEIR_MODEL)).as("%s", server.stats()).isEqualTo(4);
        assertThat(server.stats().records(OUR_MODEL)).as("%s", server.stats()).isEqualTo(4);
    }

    private static Path sqlJar() {
        Path jar = Path.of(FlinkJvm.property("flinktriton.sqlJar"));
        assertThat(jar).as("the -sql jar, built by `package` before this test").exists();
        return jar;
    }
}
