package org.flinktriton.table;

import java.io.PrintStream;
import java.security.CodeSource;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The {@code main} of the JVM that {@link SqlJarBesideFlinkTritonIT} starts, whose class path is a
 * Flink distribution's {@code lib/} with two more jars: Flink's {@code flink-model-triton} and our
 * {@code -sql} jar. It reports where the classes each provider links against come from, then runs
 * one query on a MiniCluster that sends the same rows through both providers ({@code 'provider' =
 * 'triton'} and {@code 'provider' = 'flink-triton'}) and prints each result.
 *
 * <p>It uses only Flink's and the JDK's types: nothing of ours, nor any library, may come from
 * elsewhere than those two jars.
 *
 * <p>Output, one fact per line, {@code |}-separated: {@code CLASS|name|jar or -}, {@code
 * VERSION|class|value}, {@code ROW|provider|id|output}, and {@code DONE} last.
 */
public final class TwoProvidersJob {
    /** The classes whose origin the test checks: each provider's libraries, and the providers. */
    static final String[] CLASSES = {
        "okhttp3.OkHttpClient",
        "okio.Buffer",
        "kotlin.Unit",
        "com.fasterxml.jackson.databind.ObjectMapper",
        "io.github.resilience4j.retry.Retry",
        "org.flinktriton.shaded.okhttp3.OkHttpClient",
        "org.flinktriton.shaded.okio.Buffer",
        "org.flinktriton.shaded.kotlin.Unit",
        "org.flinktriton.shaded.com.fasterxml.jackson.databind.ObjectMapper",
        "org.flinktriton.shaded.io.github.resilience4j.retry.Retry",
        "org.apache.flink.model.triton.TritonModelProviderFactory",
        "org.flinktriton.table.TritonModelProviderFactory",
    };

    private TwoProvidersJob() {}

    /**
     * {@code TwoProvidersJob <endpoint> <model for 'triton'> <model for 'flink-triton'>}: two
     * models with the same tensors, so that the server's counts tell which provider ran.
     */
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String endpoint = args[0];
        String theirModel = args[1];
        String ourModel = args[2];
        for (String name : CLASSES) {
            out.println("CLASS|" + name + "|" + origin(name));
        }
        for (String okHttp :
                new String[] {"okhttp3.OkHttp", "org.flinktriton.shaded.okhttp3.OkHttp"}) {
            out.println("VERSION|" + okHttp + "|" + okHttpVersion(okHttp));
        }

        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(2, new Configuration());
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        // Two inputs and two model names, although one of each would do: Flink 2.3's planner
        // takes two ML_PREDICT calls on the same input for the same call, whatever their models,
        // and runs the first model for both.
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW words AS SELECT * FROM (VALUES"
                        + " (1, 'alpha'), (2, 'beta'), (3, 'gamma'), (4, 'delta')) AS t(id, word)");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW more_words AS SELECT * FROM (VALUES"
                        + " (5, 'epsilon'), (6, 'zeta'), (7, 'eta'), (8, 'theta')) AS t(id, word)");
        // Flink's provider takes the endpoint as documented there, ending in /v2/models, and
        // without a version asks for version "latest", which Triton does not know.
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL theirs INPUT (`INPUT` STRING) OUTPUT (`OUTPUT` STRING)"
                        + " WITH ('provider' = 'triton', 'endpoint' = '"
                        + endpoint
                        + "/v2/models', 'model-name' = '"
                        + theirModel
                        + "', 'model-version' = '1')");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL ours INPUT (`INPUT` STRING) OUTPUT (`OUTPUT` STRING)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + endpoint
                        + "', 'model-name' = '"
                        + ourModel
                        + "', 'max-batch-size' = '4')");
        TableResult result =
                tEnv.executeSql(
                        "SELECT 'triton' AS provider, id, `OUTPUT`"
                                + " FROM ML_PREDICT(TABLE words, MODEL theirs, DESCRIPTOR(word))"
                                + " UNION ALL"
                                + " SELECT 'flink-triton' AS provider, id, `OUTPUT`"
                                + " FROM ML_PREDICT(TABLE more_words, MODEL ours,"
                                + " DESCRIPTOR(word))");
        try (CloseableIterator<Row> rows = result.collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                out.println(
                        "ROW|" + row.getField(0) + "|" + row.getField(1) + "|" + row.getField(2));
            }
        }
        out.println("DONE");
        out.flush();
        // The MiniCluster's threads need not hold the JVM up.
        System.exit(0);
    }

    /** The jar (or folder) {@code name} loads from on this class path, or {@code -} if absent. */
    private static String origin(String name) {
        try {
            Class<?> type = Class.forName(name, false, TwoProvidersJob.class.getClassLoader());
            CodeSource source = type.getProtectionDomain().getCodeSource();
            return source == null ? "(no code source)" : source.getLocation().getPath();
        } catch (ClassNotFoundException e) {
            return "-";
        }
    }

    private static String okHttpVersion(String type) {
        try {
            return String.valueOf(
                    Class.forName(type, true, TwoProvidersJob.class.getClassLoader())
                            .getField("VERSION")
                            .get(null));
        } catch (ReflectiveOperationException | LinkageError e) {
            return "-";
        }
    }
}
