package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TritonTestServer;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a user of Flink's own Triton provider ({@code 'provider' = 'triton'}) brings along, run
 * through {@code 'provider' = 'flink-triton'} in real SQL jobs: its option names (those of the
 * 2.3.0 release and those Flink's master adds), its column rule (a column binds to the tensor named
 * as the column upper-cased), and ML_PREDICT's own runtime options ({@code async}, {@code
 * max-concurrent-operations}, {@code timeout}, {@code output-mode}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FlinkTritonCompatibilityITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    /** Upper-cases its input, batches of up to 64: tensors INPUT and OUTPUT, as Flink's README. */
    private static final String SHOUT = "shout";

    /** Echoes X as Y; a request that holds X = 0 takes {@link #SLOW} before it answers. */
    private static final String SLOW_FIRST = "slow_first";

    private static final Duration SLOW = Duration.ofMillis(1500);

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(ShoutModel.of(SHOUT, 64))
                        .model(slowFirst())
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

    private static TestModel slowFirst() {
        return TestModel.builder(SLOW_FIRST)
                .maxBatchSize(64)
                .input("X", TritonDataType.INT64, 1)
                .output("Y", TritonDataType.INT64, 1)
                .handler(
                        request -> {
                            long[] xs = request.input("X").toInt64s();
                            for (long x : xs) {
                                if (x == 0) {
                                    Thread.sleep(SLOW.toMillis());
                                }
                            }
                            return List.of(
                                    Tensor.ofInt64s(
                                            "Y",
                                            TritonDataType.INT64,
                                            request.outputShape("Y"),
                                            xs));
                        })
                .build();
    }

    private static StreamTableEnvironment tableEnv(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        return StreamTableEnvironment.create(env);
    }

    /** {@code words(id, word)}: {@code rows} rows, {@code word} = 'word' + id. */
    private static void createWords(StreamTableEnvironment tEnv, long rows) {
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '0',"
                        + " 'fields.id.end' = '"
                        + (rows - 1)
                        + "')");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW words AS"
                        + " SELECT id, CONCAT('word', CAST(id AS STRING)) AS word FROM gen");
    }

    /** {@code Flink's README's first model}, column names and all, with {@code options} added. */
    private static String shoutModel(String name, String options) {
        return "CREATE TEMPORARY MODEL "
                + name
                + " INPUT (input STRING) OUTPUT (output STRING)"
                + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                + server.endpoint()
                + "/v2/models', 'model-name' = '"
                + SHOUT
                + "'"
                + options
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

    private static void assertShouted(List<Row> rows, long count) {
        assertThat(rows).hasSize((int) count);
        for (Row row : rows) {
            assertThat(row.getField("output"))
                    .as("row %s", row.getField("id"))
                    .isEqualTo(("WORD" + row.getField("id")));
        }
    }

    // ------------------------------------------------------------------ column rule

    @Test
    void lowerCaseColumnsBindToTheTensorsNamedAsTheColumnUpperCased() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(2);
        createWords(tEnv, 300);
        tEnv.executeSql(shoutModel("readme_text", ""));

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, output FROM ML_PREDICT(TABLE words,"
                                        + " MODEL readme_text, DESCRIPTOR(word),"
                                        + " MAP['max-concurrent-operations', '64'])"));

        assertShouted(rows, 300);
        assertThat(server.stats().records(SHOUT)).isEqualTo(300);
        assertThat(server.stats().batchSizes(SHOUT))
                .as("the rows go out batched, not one per request")
                .anyMatch(size -> size > 1);
    }

    @Test
    void aColumnNoTensorMatchesNamesEveryNameTried() {
        StreamTableEnvironment tEnv = tableEnv(1);
        createWords(tEnv, 10);
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL wrong INPUT (text STRING) OUTPUT (output STRING)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.endpoint()
                        + "', 'model-name' = '"
                        + SHOUT
                        + "')");

        assertThatThrownBy(
                        () ->
                                collect(
                                        tEnv.executeSql(
                                                "SELECT id, output FROM ML_PREDICT(TABLE words,"
                                                        + " MODEL wrong, DESCRIPTOR(word))")))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains(
                                                "input column `text` STRING: the model has no"
                                                        + " input tensor named 'text' or 'TEXT';"
                                                        + " its inputs are [INPUT BYTES [-1, 1]]"));
    }

    // ------------------------------------------------------------------ option names

    @Test
    void flinksProviderOptionNamesRunUnchanged() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        createWords(tEnv, 200);
        // The names of the 2.3.0 release and of Flink's master, in the forms they document.
        tEnv.executeSql(
                shoutModel(
                        "legacy",
                        ", 'model-version' = 'latest', 'timeout' = '10000',"
                                + " 'flatten-batch-dim' = 'true', 'priority' = '1',"
                                + " 'custom-headers' = '{\"X-Custom-Header\": \"custom-value\"}',"
                                + " 'auth-token' = 'not-a-real-token', 'compression' = 'gzip',"
                                + " 'batch-size' = '4', 'max-retries' = '3',"
                                + " 'retry-initial-backoff' = '50 ms',"
                                + " 'retry-max-backoff' = '1 s',"
                                + " 'circuit-breaker-enabled' = 'true',"
                                + " 'circuit-breaker-failure-threshold' = '0.9',"
                                + " 'circuit-breaker-timeout' = '30 s',"
                                + " 'circuit-breaker-half-open-requests' = '2',"
                                + " 'health-check-enabled' = 'false',"
                                + " 'health-check-interval' = '10 s',"
                                + " 'sequence-id-auto-increment' = 'false'"));

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, output FROM ML_PREDICT(TABLE words, MODEL legacy,"
                                        + " DESCRIPTOR(word), MAP['max-concurrent-operations',"
                                        + " '64'])"));

        assertShouted(rows, 200);
        assertThat(server.stats().batchSizes(SHOUT))
                .as("'batch-size' = '4' bounds the rows per request")
                .allMatch(size -> size <= 4)
                .contains(4);
    }

    @Test
    void optionsThatAskForWhatFlinkTritonLacksFailTheQueryNamingWhatToUse() {
        String[][] refused = {
            {
                "'default-value' = 'FAILED', 'error-handling' = 'fail'",
                "'default-value' and 'error-handling' = 'fail' contradict"
            },
            {"'health-check-enabled' = 'true'", "'circuit-breaker-enabled' = 'true'"},
            {"'sequence-id-auto-increment' = 'true'", "sends 'sequence-id' unchanged"},
            {"'batch-size' = '4', 'max-batch-size' = '8'", "two names of one setting"},
        };
        for (String[] option : refused) {
            StreamTableEnvironment tEnv = tableEnv(1);
            createWords(tEnv, 10);
            tEnv.executeSql(shoutModel("refused", ", " + option[0]));
            assertThatThrownBy(
                            () ->
                                    tEnv.executeSql(
                                            "SELECT id, output FROM ML_PREDICT(TABLE words,"
                                                    + " MODEL refused, DESCRIPTOR(word))"))
                    .as(option[0])
                    .satisfies(
                            e ->
                                    assertThat(ExceptionUtils.stringifyException(e))
                                            .contains(option[1]));
        }
        assertThat(server.stats().inferRequests()).isZero();
    }

    @Test
    void theDefaultValueFillsTheRowsThatFailAndTheOthersGetTheirAnswers() throws Exception {
        server.faults().poisonWhere("X", x -> x % 5 == 4);
        StreamTableEnvironment tEnv = tableEnv(2);
        createWords(tEnv, 100);
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL fallback INPUT (X BIGINT) OUTPUT (Y BIGINT)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.endpoint()
                        + "', 'model-name' = '"
                        + SLOW_FIRST
                        + "', 'default-value' = '-1')");

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, Y FROM ML_PREDICT(TABLE words, MODEL fallback,"
                                        + " DESCRIPTOR(id), MAP['max-concurrent-operations',"
                                        + " '32'])"));

        assertThat(rows).hasSize(100);
        for (Row row : rows) {
            long id = (Long) row.getField("id");
            assertThat(row.getField("Y")).as("row %s", id).isEqualTo(id % 5 == 4 ? -1L : id);
        }
        assertThat(server.stats().poisonRecords()).isGreaterThanOrEqualTo(20);
    }

    // ------------------------------------------------------------------ ML_PREDICT's options

    @Test
    void asyncTrueRunsAndAsyncFalseIsRefusedByThePlanner() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        createWords(tEnv, 20);
        tEnv.executeSql(shoutModel("async_only", ""));

        assertShouted(
                collect(
                        tEnv.executeSql(
                                "SELECT id, output FROM ML_PREDICT(TABLE words,"
                                        + " MODEL async_only, DESCRIPTOR(word),"
                                        + " MAP['async', 'true'])")),
                20);
        // The provider is asynchronous only (as Flink's own): Flink documents that asking for
        // the mode a provider lacks fails.
        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                        "SELECT id, output FROM ML_PREDICT(TABLE words,"
                                                + " MODEL async_only, DESCRIPTOR(word),"
                                                + " MAP['async', 'false'])"))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("Require sync mode, but model provider")
                                        .contains("doesn't support sync mode"));
    }

    @Test
    void maxConcurrentOperationsSizesTheBatches() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        createWords(tEnv, 400);
        tEnv.executeSql(shoutModel("sized", ""));

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT id, output FROM ML_PREDICT(TABLE words, MODEL sized,"
                                        + " DESCRIPTOR(word), MAP['max-concurrent-operations',"
                                        + " '32'])"));

        assertShouted(rows, 400);
        // Unset 'max-batch-size': half the 32 rows in flight. (A batch whose oldest row waited
        // 'max-batch-delay' may go out smaller.)
        List<Integer> batches = server.stats().batchSizes(SHOUT);
        assertThat(batches).allMatch(size -> size <= 16).contains(16);
    }

    @Test
    void theQueryTimeoutFailsARowThatTakesLonger() {
        StreamTableEnvironment tEnv = tableEnv(1);
        createWords(tEnv, 20);
        tEnv.executeSql(slowModel("timed"));

        assertThatThrownBy(
                        () ->
                                collect(
                                        tEnv.executeSql(
                                                "SELECT id, Y FROM ML_PREDICT(TABLE words,"
                                                        + " MODEL timed, DESCRIPTOR(id),"
                                                        + " MAP['timeout', '300 ms'])")))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.findThrowable(e, TimeoutException.class))
                                        .as(ExceptionUtils.stringifyException(e))
                                        .isPresent());
    }

    @Test
    void orderedOutputKeepsInputOrderAndUnorderedLetsLaterRowsPass() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        createWords(tEnv, 40);
        tEnv.executeSql(slowModel("ordering"));
        String query =
                "SELECT id, Y FROM ML_PREDICT(TABLE words, MODEL ordering, DESCRIPTOR(id),"
                        + " MAP['max-concurrent-operations', '8', 'output-mode', '%s'])";

        List<Long> ordered = ids(collect(tEnv.executeSql(String.format(query, "ordered"))));
        List<Long> unordered =
                ids(collect(tEnv.executeSql(String.format(query, "allow_unordered"))));

        List<Long> expected = new ArrayList<>();
        for (long id = 0; id < 40; id++) {
            expected.add(id);
        }
        assertThat(ordered).as("ordered").isEqualTo(expected);
        assertThat(unordered).as("allow_unordered").containsExactlyInAnyOrderElementsOf(expected);
        assertThat(unordered.indexOf(0L))
                .as(
                        "row 0 waits %s ms on the server; unordered, others pass it: %s",
                        SLOW, unordered)
                .isGreaterThan(0);
    }

    private static String slowModel(String name) {
        return "CREATE TEMPORARY MODEL "
                + name
                + " INPUT (X BIGINT) OUTPUT (Y BIGINT)"
                + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                + server.endpoint()
                + "', 'model-name' = '"
                + SLOW_FIRST
                + "', 'max-batch-size' = '2')";
    }

    private static List<Long> ids(List<Row> rows) {
        List<Long> ids = new ArrayList<>();
        for (Row row : rows) {
            assertThat(row.getField("Y")).isEqualTo(row.getField("id"));
            ids.add((Long) row.getField("id"));
        }
        return ids;
    }
}
