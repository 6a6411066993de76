package org.flinktriton.samples.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleRun;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.Terminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs {@link SqlTextClassificationJob} (CREATE MODEL + ML_PREDICT) on a MiniCluster with the table
 * planner against the embedded {@code sentiment} model.
 */
class SqlTextClassificationJobITCase {
    private static final int RECORDS = 1_000;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void everyReviewIsScoredInBatchesThroughMlPredict() throws Exception {
        SampleOptions options =
                SqlTextClassificationJob.defaults().records(RECORDS).parallelism(2).build();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Review> results;
        List<Integer> batchSizes;
        try (SampleServer server = SampleServer.start(options, SentimentModel::embedded);
                PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            results =
                    SampleRun.execute(
                            "text classification in SQL",
                            SqlTextClassificationJob.pipeline(env, server.endpoint(), options),
                            server,
                            options,
                            Comparator.comparingLong(review -> review.id),
                            out);
            batchSizes = server.embeddedServer().orElseThrow().stats().batchSizes("sentiment");
        }

        assertThat(results)
                .extracting(review -> review.id)
                .containsExactlyElementsOf(LongStream.range(0, RECORDS).boxed().toList());
        TextScorer scorer = TextScorer.load();
        for (Review review : results) {
            assertThat(review.text).isEqualTo(Reviews.text(review.id));
            assertThat(review.scores)
                    .as("#%s", review.id)
                    .containsExactly(scorer.scores(review.text));
            assertThat(review.doneMicros).isGreaterThanOrEqualTo(review.ingestMicros);
        }
        assertThat(results.stream().filter(review -> review.text.equals("The battery is great.")))
                .isNotEmpty()
                .allMatch(review -> review.label().equals("positive"));

        // 500 rows per parallel instance in batches of up to 64: 8 requests each, not 500.
        assertThat(batchSizes).allMatch(size -> size <= SentimentModel.MAX_BATCH_SIZE);
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(RECORDS);
        assertThat(batchSizes.size()).as("requests for %s rows", RECORDS).isLessThanOrEqualTo(40);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("#0 positive")
                .contains("summary: " + RECORDS + " records, " + batchSizes.size() + " requests");
    }

    @Test
    void wrongOptionsDeadEndpointAndNoRecordsAreClearAtTheTerminal() {
        Terminal.checkCommandLine(
                "SqlTextClassificationJob",
                SqlTextClassificationJob::defaults,
                SqlTextClassificationJob::run,
                "sentiment");
    }
}
