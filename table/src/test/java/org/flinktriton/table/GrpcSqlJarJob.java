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
 * The {@code main} of the JVM that {@link SqlJarOverGrpcIT} starts, whose class path is a Flink
 * distribution's {@code lib/} and the {@code -sql} jar alone: it reports where gRPC's classes come
 * from and whether the relocated Netty loaded its native transport (epoll) and BoringSSL, then runs
 * one {@code ML_PREDICT} over {@code grpc://} on a MiniCluster and prints each row.
 *
 * <p>It uses only Flink's and the JDK's types. Output, one fact per line, {@code |}-separated:
 * {@code CLASS|name|jar or -}, {@code NATIVE|name|true, false or the failure}, {@code
 * ROW|id|output}, and {@code DONE} last.
 */
public final class GrpcSqlJarJob {
    private static final String NETTY = "org.flinktriton.shaded.io.grpc.netty.shaded.io.netty.";

    /** The classes whose origin the test checks. */
    static final String[] CLASSES = {
        "io.grpc.ManagedChannel",
        "com.google.protobuf.ByteString",
        "com.google.common.collect.ImmutableList",
        "io.perfmark.PerfMark",
        "org.flinktriton.shaded.io.grpc.ManagedChannel",
        "org.flinktriton.shaded.com.google.protobuf.ByteString",
        "org.flinktriton.shaded.com.google.common.collect.ImmutableList",
        "org.flinktriton.shaded.io.perfmark.PerfMark",
        "org.flinktriton.grpc.GrpcTransportProvider",
    };

    private GrpcSqlJarJob() {}

    /** {@code GrpcSqlJarJob <grpc:// endpoint> <model>}: a model that upper-cases a string. */
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String endpoint = args[0];
        String model = args[1];
        for (String name : CLASSES) {
            out.println("CLASS|" + name + "|" + origin(name));
        }
        out.println("NATIVE|epoll|" + available(NETTY + "channel.epoll.Epoll"));
        out.println("NATIVE|openssl|" + available(NETTY + "handler.ssl.OpenSsl"));

        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(2, new Configuration());
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW words AS SELECT * FROM (VALUES"
                        + " (1, 'alpha'), (2, 'beta'), (3, 'gamma'), (4, 'delta'),"
                        + " (5, 'epsilon'), (6, 'zeta'), (7, 'eta'), (8, 'theta'))"
                        + " AS t(id, word)");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL shout INPUT (`INPUT` STRING) OUTPUT (`OUTPUT` STRING)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + endpoint
                        + "', 'model-name' = '"
                        + model
                        + "', 'max-batch-size' = '4')");
        TableResult result =
                tEnv.executeSql(
                        "SELECT id, `OUTPUT` FROM ML_PREDICT(TABLE words, MODEL shout,"
                                + " DESCRIPTOR(word))");
        try (CloseableIterator<Row> rows = result.collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                out.println("ROW|" + row.getField(0) + "|" + row.getField(1));
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
            Class<?> type = Class.forName(name, false, GrpcSqlJarJob.class.getClassLoader());
            CodeSource source = type.getProtectionDomain().getCodeSource();
            return source == null ? "(no code source)" : source.getLocation().getPath();
        } catch (ClassNotFoundException e) {
            return "-";
        }
    }

    /** Netty's {@code isAvailable()} of a native feature, with the reason when it is not. */
    private static String available(String type) {
        try {
            Class<?> feature = Class.forName(type, true, GrpcSqlJarJob.class.getClassLoader());
            boolean available = (Boolean) feature.getMethod("isAvailable").invoke(null);
            if (available) {
                return "true";
            }
            Throwable cause = (Throwable) feature.getMethod("unavailabilityCause").invoke(null);
            return "false " + String.valueOf(cause).replace('\n', ' ');
        } catch (ReflectiveOperationException | LinkageError e) {
            return "failed " + e;
        }
    }
}
