package org.flinktriton.samples.text;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.types.Row;
import org.flinktriton.samples.common.Micros;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleRun;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.SampleSources;

/**
 * Text classification in Flink SQL: the {@code sentiment} model ({@code TEXT} STRING in, {@code
 * SCORES} ARRAY&lt;FLOAT&gt; out) declared with {@code CREATE MODEL … WITH ('provider' =
 * 'flink-triton')} and called with {@code ML_PREDICT}, which the provider batches across rows.
 *
 * <pre>{@code
 * # on the embedded test server, which runs the Java version of the model (TextScorer)
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.text.SqlTextClassificationJob
 * # on a Triton serving samples/model_repository
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.text.SqlTextClassificationJob \
 *     -Dsample.args="--endpoint http://localhost:8000"
 * }</pre>
 *
 * <p>The job is the statements of {@link #statements} over the table {@code review_ids}: a view
 * that turns each id into a review ({@code review_text}, the same reviews as {@link
 * TextClassificationJob}) stamped with its time ({@code now_micros}), the model, and the query. The
 * query's rows come back as {@link Review}s for the summary line, which {@link SampleRun} prints as
 * for the DataStream samples; the latency spans from the view to the projection after ML_PREDICT.
 *
 * <p>{@code review_ids (id BIGINT)} is the DataStream samples' source ({@link SampleSources#ids}),
 * registered as a view, so that {@code --records-per-second} paces this sample as it paces them and
 * its latency figures mean the same. SQL's {@code datagen} connector would not do: its {@code
 * rows-per-second} emits each second's rows at once (and, unpaced, as fast as it can), and the rows
 * then wait in front of ML_PREDICT, so that the latency measures that queue.
 */
public final class SqlTextClassificationJob {
    private SqlTextClassificationJob() {}

    /** The sample's defaults: those of {@link TextClassificationJob}. */
    public static SampleOptions.Builder defaults() {
        return TextClassificationJob.defaults();
    }

    /**
     * Runs the sample; {@code --help} lists the options. Exits with 2 for a wrong command line and
     * with 1 when the job fails, printing the root cause first (see {@link SampleMain}).
     */
    public static void main(String[] args) {
        SampleMain.main(
                SqlTextClassificationJob.class.getSimpleName(),
                defaults(),
                args,
                SqlTextClassificationJob::run);
    }

    /** Runs the sample with {@code options}, printing its results to {@code out}. */
    public static void run(SampleOptions options, PrintStream out) throws Exception {
        try (SampleServer server = SampleServer.start(options, SentimentModel::embedded)) {
            out.println(
                    "-- review_ids (id BIGINT): " + options.records() + " ids, " + pace(options));
            for (String statement : statements(server.endpoint(), options)) {
                out.println(statement + ";");
            }
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            SampleRun.execute(
                    "flink-triton sample: text classification in SQL",
                    pipeline(env, server.endpoint(), options),
                    server,
                    options,
                    Comparator.comparingLong(review -> review.id),
                    out);
        }
    }

    /**
     * The SQL of the job, over the table {@code review_ids (id BIGINT)}: every statement but the
     * last creates something, the last is the query. ML_PREDICT may hold {@code capacity} batches
     * of {@code max-batch-size} rows in flight per parallel instance (Flink's default, 10 rows,
     * would cap every batch at 10).
     */
    public static List<String> statements(String endpoint, SampleOptions options) {
        return List.of(
                "CREATE TEMPORARY VIEW reviews AS\n"
                        + "  SELECT id, review_text(id) AS text, now_micros() AS ingest_micros\n"
                        + "  FROM review_ids",
                "CREATE TEMPORARY MODEL sentiment\n"
                        + "  INPUT (TEXT STRING)\n"
                        + "  OUTPUT (SCORES ARRAY<FLOAT>)\n"
                        + "  WITH (\n"
                        + "    'provider' = 'flink-triton',\n"
                        + "    'endpoint' = '"
                        + endpoint
                        + "',\n"
                        + "    'model-name' = '"
                        + options.model()
                        + "',\n"
                        + "    'max-batch-size' = '"
                        + options.maxBatchSize()
                        + "',\n"
                        + "    'max-batch-delay' = '"
                        + options.maxBatchDelay().toMillis()
                        + " ms')",
                "SELECT id, text, ingest_micros, SCORES, now_micros() AS done_micros\n"
                        + "FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(text),\n"
                        + "  MAP['max-concurrent-operations', '"
                        + options.capacity() * options.maxBatchSize()
                        + "', 'timeout', '"
                        + options.batchTimeout().toMillis()
                        + " ms'])");
    }

    private static String pace(SampleOptions options) {
        return options.recordsPerSecond() > 0
                ? options.recordsPerSecond() + " per second"
                : "as fast as the job takes them";
    }

    /** The job's graph: the statements, with the query's rows as scored reviews. */
    public static DataStream<Review> pipeline(
            StreamExecutionEnvironment env, String endpoint, SampleOptions options) {
        env.setParallelism(options.parallelism());
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporarySystemFunction("review_text", ReviewText.class);
        tEnv.createTemporarySystemFunction("now_micros", NowMicros.class);
        tEnv.createTemporaryView(
                "review_ids", tEnv.fromDataStream(SampleSources.ids(env, options)).as("id"));
        List<String> statements = statements(endpoint, options);
        for (String statement : statements.subList(0, statements.size() - 1)) {
            tEnv.executeSql(statement);
        }
        return tEnv.toDataStream(tEnv.sqlQuery(statements.get(statements.size() - 1)))
                .map(SqlTextClassificationJob::review)
                .returns(Review.class)
                .name("rows to reviews");
    }

    private static Review review(Row row) {
        Review review =
                new Review(
                        row.<Long>getFieldAs("id"),
                        row.<String>getFieldAs("text"),
                        row.<Long>getFieldAs("ingest_micros"));
        Float[] scores = row.getFieldAs("SCORES");
        review.scores = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            review.scores[i] = scores[i];
        }
        review.doneMicros = row.<Long>getFieldAs("done_micros");
        return review;
    }

    /** {@code review_text(id)}: the text of review number {@code id}. */
    public static final class ReviewText extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        public String eval(Long id) {
            return id == null ? null : Reviews.text(id);
        }
    }

    /** {@code now_micros()}: the time, in epoch microseconds, each row passes. */
    public static final class NowMicros extends ScalarFunction {
        private static final long serialVersionUID = 1L;

        public long eval() {
            return Micros.now();
        }

        @Override
        public boolean isDeterministic() {
            return false;
        }
    }
}
