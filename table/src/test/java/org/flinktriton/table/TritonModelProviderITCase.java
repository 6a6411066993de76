package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

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
                        .start();
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

    @Test
    void aSchemaMismatchFailsWithEveryMismatchListed() {
        StreamTableEnvironment tEnv = tableEnv(1);
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
                                                "SELECT * FROM ML_PREDICT(TABLE wrong_input,"
                                                        + " MODEL wrong, DESCRIPTOR(ia, b))")))
                .satisfies(
                        error -> {
                            String text = ExceptionUtils.stringifyException(error);
                            assertThat(text)
                                    .contains("do not match model 'add_sub'")
                                    .contains("(5 mismatches)")
                                    .contains(
                                            "input column `INPUT0` ARRAY<INT> -> tensor 'INPUT0'"
                                                    + " (FP32 [-1, 4]): INT cannot carry FP32;"
                                                    + " declare the column as ARRAY<FLOAT>")
                                    .contains(
                                            "input column `NOPE` ARRAY<FLOAT> -> tensor 'NOPE':"
                                                    + " the model has no input tensor of that"
                                                    + " name")
                                    .contains("the model requires input tensor 'INPUT1'")
                                    .contains(
                                            "output column `OUTPUT0` FLOAT -> tensor 'OUTPUT0'"
                                                    + " (FP32 [-1, 4]): a column that is not an"
                                                    + " ARRAY holds one value")
                                    .contains(
                                            "output column `OUTPUT9` ARRAY<FLOAT> -> tensor"
                                                    + " 'OUTPUT9': the model has no output"
                                                    + " tensor");
                        });
        assertThat(server.stats().inferRequests("add_sub")).isZero();
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
}
