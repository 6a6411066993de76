package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.execution.SuppressRestartsException;
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
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ML_PREDICT} over a decoupled model: one row per response, with the response's index, over
 * {@code grpc://}; a clear failure at open over {@code http://}; the {@code response-index-column}
 * checked when the query is planned and at open.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DecoupledMlPredictITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final int ROWS = 40;

    /** The most responses a row asks for: {@code N = id % (MAX_RESPONSES + 1)}. */
    private static final int MAX_RESPONSES = 6;

    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(words("words", Integer.MAX_VALUE))
                        .model(words("picky", 5))
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 4, 64))
                        .grpc()
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /**
     * Answers {@code (ID, N)} with N responses {@code WORD = "<ID>-<i>"}, i = 0..N-1; for N =
     * {@code poison}, an error response after two responses.
     */
    private static TestModel words(String name, int poison) {
        return TestModel.builder(name)
                .input("ID", TritonDataType.INT64, 1)
                .input("N", TritonDataType.INT32, 1)
                .output("WORD", TritonDataType.BYTES, 1)
                .decoupled(
                        (request, sink) -> {
                            long id = request.input("ID").toInt64s()[0];
                            int n = request.input("N").toInt32s()[0];
                            for (int i = 0; i < (n == poison ? 2 : n); i++) {
                                sink.send(
                                        List.of(
                                                Tensor.ofStrings(
                                                        "WORD",
                                                        new long[] {1},
                                                        new String[] {id + "-" + i})));
                            }
                            if (n == poison) {
                                throw new IllegalArgumentException("poison N " + n);
                            }
                        })
                .build();
    }

    private static StreamTableEnvironment tableEnv(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql(
                "CREATE TEMPORARY TABLE gen (ID BIGINT) WITH ("
                        + " 'connector' = 'datagen',"
                        + " 'fields.ID.kind' = 'sequence',"
                        + " 'fields.ID.start' = '0',"
                        + " 'fields.ID.end' = '"
                        + (ROWS - 1)
                        + "')");
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW prompts AS SELECT ID,"
                        + " CAST(ID % "
                        + (MAX_RESPONSES + 1)
                        + " AS INT) AS N FROM gen");
        return tEnv;
    }

    private static String wordsModel(String endpoint, String output, String extraOptions) {
        return "CREATE TEMPORARY MODEL words INPUT (ID BIGINT, N INT) OUTPUT ("
                + output
                + ") WITH ('provider' = 'flink-triton', 'endpoint' = '"
                + endpoint
                + "', 'model-name' = 'words'"
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

    @Test
    void oneRowPerResponseWithItsIndexOverGrpc() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(2);
        tEnv.executeSql(
                wordsModel(
                        server.grpcEndpoint(),
                        "WORD STRING, I BIGINT",
                        ", 'response-index-column' = 'I', 'max-batch-size' = '4'"));

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT ID, N, WORD, I FROM ML_PREDICT(TABLE prompts,"
                                        + " MODEL words, DESCRIPTOR(ID, N))"));

        List<String> expected = new ArrayList<>();
        for (long id = 0; id < ROWS; id++) {
            int n = (int) (id % (MAX_RESPONSES + 1));
            for (int i = 0; i < n; i++) {
                expected.add(id + "," + n + "," + id + "-" + i + "," + i);
            }
        }
        List<String> actual = new ArrayList<>();
        for (Row row : rows) {
            actual.add(
                    row.getField(0)
                            + ","
                            + row.getField(1)
                            + ","
                            + row.getField(2)
                            + ","
                            + row.getField(3));
        }
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(rows.get(0).getField(3)).isInstanceOf(Long.class);
    }

    @Test
    void anIntIndexColumnAndNoIndexColumnWork() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                wordsModel(
                        server.grpcEndpoint(),
                        "WORD STRING, I INT",
                        ", 'response-index-column' = 'I'"));
        List<Row> indexed =
                collect(
                        tEnv.executeSql(
                                "SELECT ID, WORD, I FROM ML_PREDICT(TABLE prompts, MODEL words,"
                                        + " DESCRIPTOR(ID, N)) WHERE ID = 6"));
        assertThat(indexed)
                .extracting(row -> row.getField(1) + "@" + row.getField(2))
                .containsExactly("6-0@0", "6-1@1", "6-2@2", "6-3@3", "6-4@4", "6-5@5");
        assertThat(indexed.get(0).getField(2)).isInstanceOf(Integer.class);

        tEnv.executeSql("DROP TEMPORARY MODEL words");
        tEnv.executeSql(wordsModel(server.grpcEndpoint(), "WORD STRING", ""));
        List<Row> plain =
                collect(
                        tEnv.executeSql(
                                "SELECT WORD FROM ML_PREDICT(TABLE prompts, MODEL words,"
                                        + " DESCRIPTOR(ID, N)) WHERE ID = 3 OR ID = 7"));
        assertThat(plain)
                .extracting(row -> (String) row.getField(0))
                .containsExactly("3-0", "3-1", "3-2");
    }

    @Test
    void underIgnoreARowWithAnErrorResponseGivesOneRowWithItsError() throws Exception {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL picky INPUT (ID BIGINT, N INT)"
                        + " OUTPUT (WORD STRING, I INT, why STRING)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.grpcEndpoint()
                        + "', 'model-name' = 'picky', 'response-index-column' = 'I',"
                        + " 'error-handling' = 'ignore', 'error-message-column' = 'why')");

        List<Row> rows =
                collect(
                        tEnv.executeSql(
                                "SELECT ID, WORD, I, why FROM ML_PREDICT(TABLE prompts,"
                                        + " MODEL picky, DESCRIPTOR(ID, N)) WHERE ID < 7"));

        assertThat(rows)
                .extracting(row -> row.getField(0) + ":" + row.getField(1) + "@" + row.getField(2))
                .containsExactly(
                        "1:1-0@0",
                        "2:2-0@0",
                        "2:2-1@1",
                        "3:3-0@0",
                        "3:3-1@1",
                        "3:3-2@2",
                        "4:4-0@0",
                        "4:4-1@1",
                        "4:4-2@2",
                        "4:4-3@3",
                        "5:null@null",
                        "6:6-0@0",
                        "6:6-1@1",
                        "6:6-2@2",
                        "6:6-3@3",
                        "6:6-4@4",
                        "6:6-5@5");
        assertThat(rows)
                .filteredOn(row -> row.getField(0).equals(5L))
                .singleElement()
                .satisfies(row -> assertThat((String) row.getField(3)).contains("poison N 5"));
        assertThat(rows)
                .filteredOn(row -> !row.getField(0).equals(5L))
                .allSatisfy(row -> assertThat(row.getField(3)).isNull());
    }

    @Test
    void aDecoupledModelOverHttpFailsAtOpenSayingToUseGrpc() {
        server.stats().reset();
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(wordsModel(server.endpoint(), "WORD STRING", ""));

        assertThatThrownBy(
                        () ->
                                collect(
                                        tEnv.executeSql(
                                                "SELECT * FROM ML_PREDICT(TABLE prompts,"
                                                        + " MODEL words, DESCRIPTOR(ID, N))")))
                .satisfies(
                        error -> {
                            assertThat(
                                            ExceptionUtils.findThrowable(
                                                    error, SuppressRestartsException.class))
                                    .isPresent();
                            assertThat(ExceptionUtils.stringifyException(error))
                                    .contains("('words') is decoupled")
                                    .contains("Set 'endpoint' to the server's grpc://");
                        });
        assertThat(server.stats().inferRequests("words")).isZero();
    }

    @Test
    void theIndexColumnIsCheckedWhenTheQueryIsPlanned() {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                wordsModel(
                        server.grpcEndpoint(), "WORD STRING", ", 'response-index-column' = 'I'"));
        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE prompts, MODEL words,"
                                                + " DESCRIPTOR(ID, N))"))
                .satisfies(
                        error ->
                                assertThat(ExceptionUtils.stringifyException(error))
                                        .contains(
                                                "'response-index-column' = 'I' names no OUTPUT"
                                                        + " column; add `I` INT (or BIGINT)"));

        tEnv.executeSql("DROP TEMPORARY MODEL words");
        tEnv.executeSql(
                wordsModel(
                        server.grpcEndpoint(),
                        "WORD STRING, I STRING",
                        ", 'response-index-column' = 'I'"));
        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE prompts, MODEL words,"
                                                + " DESCRIPTOR(ID, N))"))
                .satisfies(
                        error ->
                                assertThat(ExceptionUtils.stringifyException(error))
                                        .contains(
                                                "'response-index-column' names OUTPUT column `I`"
                                                        + " STRING; declare it as INT or BIGINT"));
    }

    @Test
    void anIndexColumnOnAModelThatIsNotDecoupledFailsAtOpen() {
        StreamTableEnvironment tEnv = tableEnv(1);
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW pairs AS SELECT ARRAY[CAST(ID AS FLOAT), CAST(0 AS FLOAT),"
                        + " CAST(0 AS FLOAT), CAST(0 AS FLOAT)] AS INPUT0, ARRAY[CAST(1 AS FLOAT),"
                        + " CAST(2 AS FLOAT), CAST(3 AS FLOAT), CAST(4 AS FLOAT)] AS INPUT1 FROM gen");
        tEnv.executeSql(
                "CREATE TEMPORARY MODEL add_sub"
                        + " INPUT (INPUT0 ARRAY<FLOAT>, INPUT1 ARRAY<FLOAT>)"
                        + " OUTPUT (OUTPUT0 ARRAY<FLOAT>, I INT)"
                        + " WITH ('provider' = 'flink-triton', 'endpoint' = '"
                        + server.grpcEndpoint()
                        + "', 'model-name' = 'add_sub', 'response-index-column' = 'I')");
        assertThatThrownBy(
                        () ->
                                collect(
                                        tEnv.executeSql(
                                                "SELECT * FROM ML_PREDICT(TABLE pairs,"
                                                        + " MODEL add_sub,"
                                                        + " DESCRIPTOR(INPUT0, INPUT1))")))
                .satisfies(
                        error ->
                                assertThat(ExceptionUtils.stringifyException(error))
                                        .contains(
                                                "'response-index-column' = 'I' is for a"
                                                        + " decoupled model")
                                        .contains("('add_sub') is not decoupled"));
    }
}
