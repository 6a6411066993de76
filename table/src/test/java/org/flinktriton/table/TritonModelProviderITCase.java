package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CREATE MODEL … WITH ('provider' = 'flink-triton')} and {@code ML_PREDICT} in real SQL
 * jobs: the table planner on a MiniCluster (2 task managers, 2 slots each) against a {@link
 * TritonTestServer} in the same JVM.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TritonModelProviderITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 4, 64))
                        .model(everyTypeModel())
                        .grpc()
                        .start();
    }

    /** Tensor, SQL type, SQL expression over {@code id}: one column of every kind. */
    private static final String[][] EVERY_TYPE = {
        {"BOOL", "BOOLEAN", "id % 2 = 0"},
        {"INT8", "TINYINT", "CAST(id % 100 - 50 AS TINYINT)"},
        {"UINT8", "TINYINT", "CAST(id % 100 AS TINYINT)"},
        {"INT16", "SMALLINT", "CAST(id * 3 - 300 AS SMALLINT)"},
        {"UINT16", "SMALLINT", "CAST(id * 3 AS SMALLINT)"},
        {"INT32", "INT", "CAST(id * 1000 - 7 AS INT)"},
        {"UINT32", "INT", "CAST(id AS INT)"},
        {"INT64", "BIGINT", "id * 1000000007 - 5"},
        {"UINT64", "BIGINT", "id"},
        {"FP16", "FLOAT", "CAST(id % 64 AS FLOAT) / CAST(4 AS FLOAT)"},
        {"BF16", "FLOAT", "CAST(id % 100 AS FLOAT)"},
        {"FP32", "FLOAT", "CAST(id AS FLOAT) / CAST(3 AS FLOAT)"},
        {"FP64", "DOUBLE", "CAST(id AS DOUBLE) / 7"},
        {"TEXT", "STRING", "CONCAT('row ', CAST(id AS STRING), ' \u00fc')"},
        {"BIN", "BYTES", "ENCODE(CONCAT('b', CAST(id AS STRING)), 'UTF-8')"},
        {
            "VEC",
            "ARRAY<INT>",
            "CASE WHEN id % 2 = 0 THEN ARRAY[CAST(id AS INT), 1, 2]"
                    + " ELSE ARRAY[CAST(-id AS INT), 3] END"
        },
        {"MATRIX", "ARRAY<ARRAY<INT>>", "ARRAY[ARRAY[CAST(id AS INT), 1, 2], ARRAY[3, 4, 5]]"},
        {
            "FLAT",
            "ARRAY<FLOAT>",
            "ARRAY[CAST(id AS FLOAT), CAST(1 AS FLOAT), CAST(2 AS FLOAT), CAST(3 AS FLOAT),"
                    + " CAST(4 AS FLOAT), CAST(-1 AS FLOAT)]"
        },
        {"WORDS", "ARRAY<STRING>", "ARRAY['a', CAST(id AS STRING)]"},
        {"DVEC", "ARRAY<DOUBLE>", "ARRAY[CAST(id AS DOUBLE), CAST(0.5 AS DOUBLE)]"},
        {"HVEC", "ARRAY<FLOAT>", "ARRAY[CAST(1 AS FLOAT), CAST(id % 8 AS FLOAT)]"},
        {"BITS", "ARRAY<BOOLEAN>", "ARRAY[id % 3 = 0, TRUE]"},
        {"LVEC", "ARRAY<BIGINT>", "ARRAY[id, id * 2, CAST(-1 AS BIGINT)]"},
    };

    /** An echo model with one tensor per row of {@link #EVERY_TYPE}. */
    private static org.flinktriton.testkit.TestModel everyTypeModel() {
        return TestModels.echo(
                "every_type",
                16,
                TensorSpec.of("BOOL", TritonDataType.BOOL, 1),
                TensorSpec.of("INT8", TritonDataType.INT8, 1),
                TensorSpec.of("UINT8", TritonDataType.UINT8, 1),
                TensorSpec.of("INT16", TritonDataType.INT16, 1),
                TensorSpec.of("UINT16", TritonDataType.UINT16, 1),
                TensorSpec.of("INT32", TritonDataType.INT32, 1),
                TensorSpec.of("UINT32", TritonDataType.UINT32, 1),
                TensorSpec.of("INT64", TritonDataType.INT64, 1),
                TensorSpec.of("UINT64", TritonDataType.UINT64, 1),
                TensorSpec.of("FP16", TritonDataType.FP16, 1),
                TensorSpec.of("BF16", TritonDataType.BF16, 1),
                TensorSpec.of("FP32", TritonDataType.FP32, 1),
                TensorSpec.of("FP64", TritonDataType.FP64, 1),
                TensorSpec.of("TEXT", TritonDataType.BYTES, 1),
                TensorSpec.of("BIN", TritonDataType.BYTES, 1),
                TensorSpec.of("VEC", TritonDataType.INT32, -1),
                TensorSpec.of("MATRIX", TritonDataType.INT32, 2, 3),
                TensorSpec.of("FLAT", TritonDataType.FP32, 2, 3),
                TensorSpec.of("WORDS", TritonDataType.BYTES, -1),
                TensorSpec.of("DVEC", TritonDataType.FP64, -1),
                TensorSpec.of("HVEC", TritonDataType.FP16, -1),
                TensorSpec.of("BITS", TritonDataType.BOOL, -1),
                TensorSpec.of("LVEC", TritonDataType.INT64, 3));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void resetStats() {
        server.stats().reset();
        server.faults().clear();
    }

    private static StreamTableEnvironment tableEnv(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        return StreamTableEnvironment.create(env);
    }

    /** A bounded table {@code pairs(id, a, b)} of {@code rows} rows of two FP32 [4] vectors. */
    private static void createPairs(StreamTableEnvironment tEnv, long rows) {
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ("
                        + " 'connector' = 'datagen',"
                        + " 'fields.id.kind' = 'sequence',"
                        + " 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '"
                        + (rows - 1)
                        + "')");
        createPairsView(tEnv);
    }

    private static void createPairsView(StreamTableEnvironment tEnv) {
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT id,"
                        + " ARRAY[CAST(id AS FLOAT), CAST(id + 1 AS FLOAT), CAST(id + 2 AS FLOAT),"
                        + "   CAST(id + 3 AS FLOAT)] AS a,"
                        + " ARRAY[CAST(1 AS FLOAT), CAST(2 AS FLOAT), CAST(3 AS FLOAT),"
                        + "   CAST(-1 AS FLOAT)] AS b"
                        + " FROM gen");
    }

    private static String addSubModel(String name, String extraOptions) {
        return "CREATE TEMPORARY MODEL "
                + name
                + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)"
                + " WITH ('provider' = 'flink-triton',"
                + " 'endpoint' = '"
                + server.endpoint()
                + "', 'model-name' = 'add_sub'"
                + extraOptions
                + ")";
    }

    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    private static List<Row> collect(TableResult result) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** Checks that each row's sum and difference are those of its own inputs. */
    private static void assertAddSub(List<Row> rows) {
        for (Row row : rows) {
            long id = (Long) row.getField("id");
            Float[] a = (Float[]) row.getField("a");
            Float[] b = (Float[]) row.getField("b");
            Float[] sum = (Float[]) row.getField("OUTPUT0");
            Float[] difference = (Float[]) row.getField("OUTPUT1");
            assertThat(a[0]).as("row %s", id).isEqualTo((float) id);
            assertThat(sum).as("sum of row %s", id).hasSize(4);
            assertThat(difference).as("difference of row %s", id).hasSize(4);
            for (int k = 0; k < 4; k++) {
                assertThat(sum[k]).as("row %s OUTPUT0[%s]", id, k).isEqualTo(a[k] + b[k]);
                assertThat(difference[k]).as("row %s OUTPUT1[%s]", id, k).isEqualTo(a[k] - b[k]);
            }
        }
    }

    private static double meanBatch(List<Integer> batches) {
        return batches.stream().mapToInt(Integer::intValue).average().orElse(0);
    }

    @Test
    void tenThousandRowsGoOutInFullBatchesAndEveryRowGetsItsOwnOutputs() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(2);
        tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "128");
        createPairs(tEnv, 10_000);
        tEnv.executeSql(addSubModel("add_sub", ", 'max-batch-size' = '32'"));

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL add_sub,"
                                        + " DESCRIPTOR(a, b))"));

        assertThat(rows).hasSize(10_000);
        Set<Long> ids = new HashSet<>();
        rows.forEach(row -> ids.add((Long) row.getField("id")));
        assertThat(ids).hasSize(10_000);
        assertAddSub(rows);
        List<Integer> batches = server.stats().batchSizes("add_sub");
        assertThat(server.stats().records("add_sub")).isEqualTo(10_000);
        assertThat(batches).allMatch(size -> size <= 32);
        assertThat(meanBatch(batches))
                .as("mean batch of %s requests", batches.size())
                .isGreaterThan(28.0);
    }

    /**
     * The same query over Triton's gRPC protocol: only the endpoint changes. The gRPC port speaks
     * nothing else, so every answer came over gRPC.
     */
    @Test
    void grpcEndpointsRunMlPredictWithTheSameBatches() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(2);
        tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "128");
        createPairs(tEnv, 3_000);
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL over_grpc"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)"
                        + " WITH ('provider' = 'flink-triton',"
                        + " 'endpoint' = '"
                        + server.grpcEndpoint()
                        + "', 'model-name' = 'add_sub', 'max-batch-size' = '32',"
                        + " 'compression' = 'gzip', 'auth-token' = 'not-a-real-token',"
                        + " 'keep-alive-interval' = '5 min', 'max-response-bytes' = '8 mb')");

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL over_grpc,"
                                        + " DESCRIPTOR(a, b))"));

        assertThat(server.grpcEndpoint()).startsWith("grpc://127.0.0.1:");
        assertThat(rows).hasSize(3_000);
        assertThat(rows.stream().map(row -> row.getField("id")).distinct()).hasSize(3_000);
        assertAddSub(rows);
        List<Integer> batches = server.stats().batchSizes("add_sub");
        assertThat(server.stats().records("add_sub")).isEqualTo(3_000);
        assertThat(batches).allMatch(size -> size <= 32);
        assertThat(meanBatch(batches))
                .as("mean batch of %s requests", batches.size())
                .isGreaterThan(28.0);
    }

    /**
     * {@code grpcs://} with mutual TLS from the SQL options alone: the server trusts only the
     * client certificate of {@code client-certificate-pem}, the client only the server certificate
     * of {@code trust-store-pem}.
     */
    @Test
    void grpcsWithMutualTlsFromTheSqlOptions(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        try (TritonTestServer tls =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 4, 64))
                        .https(pki.mutualServerContext())
                        .requireClientCertificates()
                        .grpc()
                        .start()) {
            StreamTableEnvironment tEnv = tableEnv(1);
            createPairs(tEnv, 200);
            String model =
                    "CREATE TEMPORARY MODEL %s"
                            + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                            + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)"
                            + " WITH ('provider' = 'flink-triton',"
                            + " 'endpoint' = '"
                            + tls.grpcEndpoint()
                            + "', 'model-name' = 'add_sub', 'max-retries' = '0',"
                            + " 'trust-store-pem' = '"
                            + pki.certificatePem
                            + "'%s)";
            tEnv.executeSql(
                    String.format(
                            model,
                            "mutual",
                            ", 'client-certificate-pem' = '"
                                    + pki.certificatePem
                                    + "', 'client-key-pem' = '"
                                    + pki.keyPem
                                    + "'"));
            tEnv.executeSql(String.format(model, "anonymous", ""));

            List<Row> rows =
                    collect(
                            tEnv.executeSql(
                                    "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                            + " FROM ML_PREDICT(TABLE pairs, MODEL mutual,"
                                            + " DESCRIPTOR(a, b),"
                                            + " MAP['max-concurrent-operations', '64'])"));

            assertThat(tls.grpcEndpoint()).startsWith("grpcs://127.0.0.1:");
            assertThat(rows).hasSize(200);
            assertAddSub(rows);
            assertThat(tls.stats().records("add_sub")).isEqualTo(200);

            // Without the client certificate the handshake fails, and so does the job.
            tEnv.getConfig().set("restart-strategy.type", "none");
            assertThatThrownBy(
                            () ->
                                    collect(
                                            tEnv.executeSql(
                                                    "SELECT id, OUTPUT0 FROM ML_PREDICT(TABLE"
                                                            + " pairs, MODEL anonymous,"
                                                            + " DESCRIPTOR(a, b))")))
                    .satisfies(
                            error ->
                                    assertThat(ExceptionUtils.stringifyException(error))
                                            .contains("add_sub"));
            assertThat(tls.stats().records("add_sub")).isEqualTo(200);
        }
    }

    @Test
    void theQueryMapRaisesRowsInFlightAndFlinkTritonStyleOptionsWork() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        createPairs(tEnv, 2_000);
        // Keys as Flink's own Triton provider spells them, endpoint in its documented form.
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL legacy"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)"
                        + " WITH ('provider' = 'flink-triton',"
                        + " 'endpoint' = '"
                        + server.endpoint()
                        + "/v2/models',"
                        + " 'model-name' = 'add_sub',"
                        + " 'model-version' = 'latest',"
                        + " 'timeout' = '20s',"
                        + " 'compression' = 'gzip',"
                        + " 'auth-token' = 'not-a-real-token',"
                        + " 'custom-headers' = 'X-Team:search,X-Trace:abc',"
                        + " 'priority' = '1',"
                        + " 'max-batch-size' = '16')");

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL legacy,"
                                        + " DESCRIPTOR(a, b),"
                                        + " MAP['max-concurrent-operations', '64'])"));

        assertThat(rows).hasSize(2_000);
        assertAddSub(rows);
        List<Integer> batches = server.stats().batchSizes("add_sub");
        assertThat(batches).allMatch(size -> size <= 16);
        assertThat(meanBatch(batches)).isGreaterThan(14.0);
    }

    @Test
    void flinksDefaultRowsInFlightCapBatchesWhichGoOutWithoutWaitingForTheDelay() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        createPairs(tEnv, 1_000);
        // Flink lets 10 rows be in flight by default; a 2 s delay per batch of 10 would take
        // 200 s, so this only passes if full batches of 10 go out at once.
        tEnv.executeSql(
                addSubModel("capped", ", 'max-batch-size' = '64', 'max-batch-delay' = '2s'"));

        long start = System.nanoTime();
        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL capped,"
                                        + " DESCRIPTOR(a, b))"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(rows).hasSize(1_000);
        assertAddSub(rows);
        List<Integer> batches = server.stats().batchSizes("add_sub");
        assertThat(batches).allMatch(size -> size <= 10);
        assertThat(meanBatch(batches)).isGreaterThan(9.0);
        assertThat(took).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    void anUnboundedSourceIsBatchedToo() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ("
                        + " 'connector' = 'datagen',"
                        + " 'rows-per-second' = '5000',"
                        + " 'fields.id.kind' = 'random',"
                        + " 'fields.id.min' = '0',"
                        + " 'fields.id.max' = '1000000')");
        createPairsView(tEnv);
        tEnv.executeSql(addSubModel("add_sub", ", 'max-batch-size' = '16'"));

        List<Row> rows = new ArrayList<>();
        TableResult result =
                tEnv.executeSql(
                        "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                + " FROM ML_PREDICT(TABLE pairs, MODEL add_sub, DESCRIPTOR(a, b),"
                                + " MAP['max-concurrent-operations', '64'])");
        try (CloseableIterator<Row> it = result.collect()) {
            while (rows.size() < 3_000 && it.hasNext()) {
                rows.add(it.next());
            }
        }

        assertThat(rows).hasSize(3_000);
        assertAddSub(rows);
        assertThat(server.stats().batchSizes("add_sub")).allMatch(size -> size <= 16);
        assertThat(server.stats().inferRequests("add_sub"))
                .as("requests for at least 3,000 rows in batches of up to 16")
                .isGreaterThanOrEqualTo(3_000 / 16);
    }

    /** Counts the opens of the task after ML_PREDICT (a chain opens from its tail): attempts. */
    public static final class OpenCounter extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        static final AtomicInteger OPENS = new AtomicInteger();

        @Override
        public void open(FunctionContext context) {
            OPENS.incrementAndGet();
        }

        public Float eval(Float value) {
            return value;
        }
    }

    @Test
    void aSchemaMismatchFailsOnceWithEveryMismatchListed() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        env.configure(restarts);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporarySystemFunction("opens", OpenCounter.class);
        OpenCounter.OPENS.set(0);
        createPairs(tEnv, 10);
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW wrong_input AS"
                        + " SELECT ARRAY[CAST(id AS INT)] AS ia, b FROM pairs");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL wrong"
                        + " INPUT (INPUT0 ARRAY<INT>, NOPE ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 FLOAT, OUTPUT9 ARRAY<FLOAT>)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.endpoint()
                        + "', 'model-name' = 'add_sub')");

        assertThatThrownBy(
                        () ->
                                collect(
                                        tEnv.executeSql(
                                                "SELECT opens(OUTPUT0) FROM ML_PREDICT("
                                                        + "TABLE wrong_input, MODEL wrong,"
                                                        + " DESCRIPTOR(ia, b))")))
                .satisfies(
                        error -> {
                            assertThat(
                                            ExceptionUtils.findThrowable(
                                                    error, SuppressRestartsException.class))
                                    .as("no restart can fix the schema")
                                    .isPresent();
                            assertThat(
                                            ExceptionUtils.findThrowable(
                                                    error, TritonModelSchemaException.class))
                                    .hasValueSatisfying(
                                            schema -> assertThat(schema.mismatches()).hasSize(5));
                            String text = ExceptionUtils.stringifyException(error);
                            assertThat(text)
                                    .contains("do not match model 'add_sub'")
                                    .contains("(5 mismatches)")
                                    .contains(
                                            "input column `INPUT0` ARRAY<INT> -> tensor 'INPUT0'"
                                                    + " (FP32 [-1, 4]): INT cannot carry FP32;"
                                                    + " declare the column as ARRAY<FLOAT>")
                                    .contains(
                                            "input column `NOPE` ARRAY<FLOAT>: the model has"
                                                    + " no input tensor named 'NOPE'")
                                    .contains("the model requires input tensor 'INPUT1'")
                                    .contains(
                                            "output column `OUTPUT0` FLOAT -> tensor 'OUTPUT0'"
                                                    + " (FP32 [-1, 4]): a column that is not an"
                                                    + " ARRAY holds one value")
                                    .contains(
                                            "output column `OUTPUT9` ARRAY<FLOAT>: the model"
                                                    + " has no output tensor named 'OUTPUT9'");
                        });
        assertThat(server.stats().inferRequests("add_sub")).isZero();
        assertThat(OpenCounter.OPENS.get()).as("attempts, with 3 restarts allowed").isEqualTo(1);
    }

    @Test
    void anUnknownOptionFailsWithTheValidOnes() {
        StreamTableEnvironment tEnv = tableEnv(1);
        createPairs(tEnv, 10);
        tEnv.executeSql(addSubModel("typo", ", 'max-batch-sise' = '8'"));

        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE pairs, MODEL typo,"
                                                + " DESCRIPTOR(a, b))"))
                .satisfies(
                        error -> {
                            String text = ExceptionUtils.stringifyException(error);
                            assertThat(text)
                                    .contains("Unsupported options found for 'flink-triton'")
                                    .contains("max-batch-sise")
                                    .contains("Supported options")
                                    .contains("max-batch-size")
                                    .contains("endpoint")
                                    .contains("custom-headers")
                                    .contains("error-handling");
                        });
    }

    @Test
    void aBadOptionValueFailsAtPlanningAndHidesTheToken() {
        StreamTableEnvironment tEnv = tableEnv(1);
        createPairs(tEnv, 10);
        tEnv.executeSql(
                addSubModel(
                        "badcompression",
                        ", 'compression' = 'brotli', 'auth-token' = 'sekrit-token-123'"));

        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE pairs,"
                                                + " MODEL badcompression, DESCRIPTOR(a, b))"))
                .satisfies(
                        error -> {
                            String text = ExceptionUtils.stringifyException(error);
                            assertThat(text)
                                    .contains("'compression' = 'brotli' is not supported")
                                    .doesNotContain("sekrit-token-123");
                        });
    }

    @Test
    void everySqlTypeTravelsBothWaysInBinaryAndJson() throws Exception {
        for (String binary : new String[] {"true", "false"}) {
            server.stats().reset();
            StreamTableEnvironment tEnv = tableEnv(2);
            tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "64");
            tEnv.executeSql(
                    "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                            + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                            + " 'fields.id.end' = '199')");
            StringBuilder view = new StringBuilder("CREATE TEMPORARY VIEW typed AS SELECT id");
            StringBuilder inputs = new StringBuilder();
            StringBuilder outputs = new StringBuilder();
            StringBuilder names = new StringBuilder();
            StringBuilder descriptor = new StringBuilder();
            for (String[] column : EVERY_TYPE) {
                String tensor = column[0];
                view.append(", ").append(column[2]).append(" AS c_").append(tensor);
                inputs.append(inputs.length() == 0 ? "" : ", ")
                        .append(tensor)
                        .append(' ')
                        .append(column[1]);
                outputs.append(outputs.length() == 0 ? "" : ", ")
                        .append("o_")
                        .append(tensor)
                        .append(' ')
                        .append(column[1]);
                names.append(names.length() == 0 ? "" : ",")
                        .append("o_")
                        .append(tensor)
                        .append(':')
                        .append(tensor);
                descriptor.append(descriptor.length() == 0 ? "" : ", ").append("c_").append(tensor);
            }
            tEnv.executeSql(view.append(" FROM gen").toString());
            tEnv.executeSql(
                    "CREATE TEMPORARY MODEL every_type INPUT ("
                            + inputs
                            + ") OUTPUT ("
                            + outputs
                            + ") WITH ('provider' = 'flink-triton', 'endpoint' = '"
                            + server.endpoint()
                            + "', 'model-name' = 'every_type', 'binary-data' = '"
                            + binary
                            + "', 'output-tensor-names' = '"
                            + names
                            + "')");

            List<Row> rows =
                    collect(
                            tEnv.executeSql(
                                    "SELECT * FROM ML_PREDICT(TABLE typed, MODEL every_type,"
                                            + " DESCRIPTOR("
                                            + descriptor
                                            + "))"));

            assertThat(rows).as("binary-data %s", binary).hasSize(200);
            for (Row row : rows) {
                for (String[] column : EVERY_TYPE) {
                    Object sent = row.getField("c_" + column[0]);
                    Object received = row.getField("o_" + column[0]);
                    assertThat(sent).as("c_%s of row %s", column[0], row).isNotNull();
                    assertThat(Objects.deepEquals(sent, received))
                            .as(
                                    "binary-data %s: %s sent %s, received %s",
                                    binary,
                                    column[0],
                                    Arrays.deepToString(new Object[] {sent}),
                                    Arrays.deepToString(new Object[] {received}))
                            .isTrue();
                }
            }
            assertThat(server.stats().records("every_type")).isEqualTo(200);
        }
    }

    @Test
    void ignoredFailuresGiveNullOutputsAndEveryOtherRowIsRight() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "64");
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '999')");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT id,"
                        + " CASE WHEN id % 10 = 0 THEN CAST(NULL AS ARRAY<FLOAT>) ELSE"
                        + " ARRAY[CAST(id AS FLOAT), CAST(1 AS FLOAT), CAST(2 AS FLOAT),"
                        + " CAST(3 AS FLOAT)] END AS a,"
                        + " ARRAY[CAST(1 AS FLOAT), CAST(2 AS FLOAT), CAST(3 AS FLOAT),"
                        + " CAST(-1 AS FLOAT)] AS b"
                        + " FROM gen");
        tEnv.executeSql(
                addSubModel(
                        "lenient",
                        ", 'max-batch-size' = '16', 'error-handling' = 'ignore',"
                                + " 'max-retries' = '0'"));
        // Not a 500: the client would split a batch answered 500 to find a rejected row in it.
        server.faults().failNext(2, 503, "simulated failure");

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL lenient,"
                                        + " DESCRIPTOR(a, b))"));

        assertThat(rows).hasSize(1_000);
        List<Row> answered = new ArrayList<>();
        int failedWithInput = 0;
        for (Row row : rows) {
            long id = (Long) row.getField("id");
            if (id % 10 == 0) {
                assertThat(row.getField("OUTPUT0")).as("row %s", id).isNull();
                assertThat(row.getField("OUTPUT1")).as("row %s", id).isNull();
            } else if (row.getField("OUTPUT0") == null) {
                assertThat(row.getField("OUTPUT1")).isNull();
                failedWithInput++;
            } else {
                answered.add(row);
            }
        }
        assertAddSub(answered);
        assertThat(failedWithInput)
                .as("rows of the two batches the server failed")
                .isBetween(1, 2 * 16);
        assertThat(server.stats().records("add_sub"))
                .as("NULL rows never reach the server, nor do the failed batches reach the model")
                .isEqualTo(900 - failedWithInput);
    }

    @Test
    void aPoisonRowFailsAloneAndTheRestOfItsBatchIsAnswered() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(2);
        tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "64");
        createPairs(tEnv, 1_000);
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL poisoned"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>, status INT,"
                        + " why STRING)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.endpoint()
                        + "', 'model-name' = 'add_sub', 'max-batch-size' = '16',"
                        + " 'error-handling' = 'ignore',"
                        + " 'error-status-column' = 'status', 'error-message-column' = 'why')");
        // The model refuses any request that holds one of these rows: 400, "poison record".
        server.faults().poison(record -> isPoison((long) record.doubleValue("INPUT0")));

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1, status, why"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL poisoned,"
                                        + " DESCRIPTOR(a, b))"));

        assertThat(rows).hasSize(1_000);
        List<Row> answered = new ArrayList<>();
        int poisoned = 0;
        for (Row row : rows) {
            long id = (Long) row.getField("id");
            if (!isPoison(id)) {
                assertThat(row.getField("status")).as("row %s was not poison", id).isNull();
                assertThat(row.getField("why")).as("row %s", id).isNull();
                answered.add(row);
                continue;
            }
            poisoned++;
            assertThat(row.getField("OUTPUT0")).as("row %s", id).isNull();
            assertThat(row.getField("OUTPUT1")).as("row %s", id).isNull();
            assertThat(row.getField("status")).as("row %s", id).isEqualTo(400);
            assertThat((String) row.getField("why"))
                    .as("row %s", id)
                    .contains("'add_sub'")
                    .contains("poison record at index 0 of 1");
        }
        assertThat(poisoned).isEqualTo(10);
        assertThat(answered).hasSize(990);
        assertAddSub(answered);
        assertThat(server.stats().records("add_sub"))
                .as("every row but the poison ones ran on the model, once")
                .isEqualTo(990);
        assertThat(server.stats().poisonAnswers()).isGreaterThanOrEqualTo(10);
    }

    /** Ten rows of a thousand, one per hundred. */
    private static boolean isPoison(long id) {
        return id % 100 == 42;
    }

    @Test
    void transientFailuresAreRetriedAndEveryRowGetsItsOutputs() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '199')");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT id,"
                        + " ARRAY[CAST(id AS FLOAT), CAST(1 AS FLOAT), CAST(2 AS FLOAT),"
                        + " CAST(3 AS FLOAT)] AS a,"
                        + " ARRAY[CAST(1 AS FLOAT), CAST(2 AS FLOAT), CAST(3 AS FLOAT),"
                        + " CAST(-1 AS FLOAT)] AS b"
                        + " FROM gen");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL retried"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.endpoint()
                        + "', 'model-name' = 'add_sub', 'max-retries' = '3',"
                        + " 'retry-initial-backoff' = '10 ms', 'retry-max-backoff' = '50 ms')");
        server.faults().failNext(3, 503, "simulated overload");

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, OUTPUT0 FROM ML_PREDICT(TABLE pairs, MODEL retried,"
                                        + " DESCRIPTOR(a, b))"));

        assertThat(rows).hasSize(200);
        for (Row row : rows) {
            long id = (Long) row.getField("id");
            assertThat((Float[]) row.getField("OUTPUT0"))
                    .as("row %s", id)
                    .containsExactly((float) id + 1, 3f, 5f, 2f);
        }
        assertThat(server.stats().injectedFailures(503)).isEqualTo(3);
    }

    @Test
    void errorColumnsCarryTheStatusAndMessageOfEachFailedRow() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "64");
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '499')");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT id,"
                        + " CASE WHEN id % 50 = 7 THEN CAST(NULL AS ARRAY<FLOAT>) ELSE"
                        + " ARRAY[CAST(id AS FLOAT), CAST(1 AS FLOAT), CAST(2 AS FLOAT),"
                        + " CAST(3 AS FLOAT)] END AS a,"
                        + " ARRAY[CAST(1 AS FLOAT), CAST(2 AS FLOAT), CAST(3 AS FLOAT),"
                        + " CAST(-1 AS FLOAT)] AS b"
                        + " FROM gen");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL routed"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, status INT, OUTPUT1 ARRAY<FLOAT>,"
                        + " why STRING)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.endpoint()
                        + "', 'model-name' = 'add_sub', 'max-batch-size' = '16',"
                        + " 'error-handling' = 'ignore', 'max-retries' = '0',"
                        + " 'error-status-column' = 'status', 'error-message-column' = 'why')");
        // Two batches answered 503, then one answered 200 with a body cut off mid-JSON.
        server.faults().failNext(2, 503, "simulated overload").malformNext(1);

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, a, b, OUTPUT0, OUTPUT1, status, why"
                                        + " FROM ML_PREDICT(TABLE pairs, MODEL routed,"
                                        + " DESCRIPTOR(a, b))"));

        assertThat(rows).hasSize(500);
        List<Row> answered = new ArrayList<>();
        int overloaded = 0;
        int malformed = 0;
        for (Row row : rows) {
            long id = (Long) row.getField("id");
            Integer status = (Integer) row.getField("status");
            String why = (String) row.getField("why");
            if (status == null) {
                assertThat(why).as("row %s succeeded", id).isNull();
                answered.add(row);
                continue;
            }
            assertThat(row.getField("OUTPUT0")).as("row %s", id).isNull();
            assertThat(row.getField("OUTPUT1")).as("row %s", id).isNull();
            if (id % 50 == 7) {
                assertThat(status).as("row %s: no request", id).isEqualTo(-1);
                assertThat(why).contains("input column `INPUT0` is NULL");
            } else if (status == 503) {
                assertThat(why).contains("'add_sub'").contains("simulated overload");
                overloaded++;
            } else {
                assertThat(status).as("row %s: a 200 that broke the protocol", id).isEqualTo(-1);
                assertThat(why).as("row %s", id).contains("'add_sub'");
                malformed++;
            }
        }
        assertThat(rows.stream().filter(row -> (Long) row.getField("id") % 50 == 7))
                .allMatch(row -> Integer.valueOf(-1).equals(row.getField("status")));
        assertAddSub(answered);
        assertThat(overloaded).as("rows of the two batches answered 503").isBetween(2, 2 * 16);
        assertThat(malformed).as("rows of the batch whose answer broke").isBetween(1, 16);
        assertThat(answered).hasSize(500 - 10 - overloaded - malformed);
    }

    @Test
    void errorColumnsMustBeNullableIntAndStringUnderIgnore() {
        StreamTableEnvironment tEnv = tableEnv(1);
        createPairs(tEnv, 10);
        String[][] cases = {
            {
                "status BIGINT",
                "'error-handling' = 'ignore', 'error-status-column' = 'status'",
                "'error-status-column' names OUTPUT column `status` BIGINT; declare it as INT"
            },
            {"why STRING", "'error-message-column' = 'why'", "need 'error-handling' = 'ignore'"},
            {
                "why STRING",
                "'error-handling' = 'ignore', 'error-message-column' = 'reason'",
                "'error-message-column' = 'reason' names no OUTPUT column"
            },
        };
        for (String[] bad : cases) {
            tEnv.executeSql(
                    "CREATE TEMPORARY MODEL bad"
                            + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                            + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, OUTPUT1 ARRAY<FLOAT>, "
                            + bad[0]
                            + ") WITH ('provider' = 'flink-triton', 'endpoint' = '"
                            + server.endpoint()
                            + "', 'model-name' = 'add_sub', "
                            + bad[1]
                            + ")");
            assertThatThrownBy(
                            () ->
                                    tEnv.executeSql(
                                            "SELECT * FROM ML_PREDICT(TABLE pairs, MODEL bad,"
                                                    + " DESCRIPTOR(a, b))"))
                    .as(bad[1])
                    .satisfies(
                            error ->
                                    assertThat(ExceptionUtils.stringifyException(error))
                                            .contains(bad[2]));
            tEnv.executeSql("DROP TEMPORARY MODEL bad");
        }
    }

    @Test
    void aNullInputFailsTheJobByDefaultNamingTheColumn() {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '99')");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT id,"
                        + " CASE WHEN id = 42 THEN CAST(NULL AS ARRAY<FLOAT>) ELSE"
                        + " ARRAY[CAST(id AS FLOAT), CAST(1 AS FLOAT), CAST(2 AS FLOAT),"
                        + " CAST(3 AS FLOAT)] END AS a,"
                        + " ARRAY[CAST(1 AS FLOAT), CAST(2 AS FLOAT), CAST(3 AS FLOAT),"
                        + " CAST(-1 AS FLOAT)] AS b"
                        + " FROM gen");
        tEnv.executeSql(addSubModel("strict", ""));

        assertThatThrownBy(
                        () ->
                                collect(
                                        tEnv.executeSql(
                                                "SELECT * FROM ML_PREDICT(TABLE pairs,"
                                                        + " MODEL strict, DESCRIPTOR(a, b))")))
                .satisfies(
                        error ->
                                assertThat(ExceptionUtils.stringifyException(error))
                                        // Flink's own eval wraps a row's failure so; ours too.
                                        .contains(
                                                "Failed to execute asynchronously prediction with"
                                                        + " input row")
                                        .contains(
                                                "input column `INPUT0` is NULL, but tensor INPUT0"
                                                        + " FP32[4] needs a value"));
    }
}
