package org.flinktriton.samples.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleRun;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.Terminal;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs {@link TextClassificationJob} on a MiniCluster against the embedded {@code sentiment} model.
 */
class TextClassificationJobITCase {
    private static final int RECORDS = 480;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void everyReviewComesBackEnrichedWithItsScores() throws Exception {
        SampleOptions options =
                TextClassificationJob.defaults().records(RECORDS).parallelism(2).build();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Review> results;
        List<Integer> batchSizes;
        try (SampleServer server = SampleServer.start(options, SentimentModel::embedded);
                PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            results =
                    SampleRun.execute(
                            "text classification",
                            TextClassificationJob.pipeline(env, server.endpoint(), options),
                            server,
                            options,
                            Comparator.comparingLong(review -> review.id),
                            out);
            batchSizes = server.embeddedServer().orElseThrow().stats().batchSizes("sentiment");
        }

        // One result per review, each the enriched review itself: id and text kept, scores added.
        assertThat(results)
                .extracting(review -> review.id)
                .containsExactlyElementsOf(LongStream.range(0, RECORDS).boxed().toList());
        TextScorer scorer = TextScorer.load();
        for (Review review : results) {
            assertThat(review.text).isEqualTo(Reviews.text(review.id));
            assertThat(review.scores).containsExactly(scorer.scores(review.text));
            assertThat(review.scores[0] + review.scores[1] + review.scores[2])
                    .isCloseTo(1f, within(1e-5f));
        }

        Map<String, String> labels =
                results.stream()
                        .collect(
                                Collectors.toMap(
                                        review -> review.text, Review::label, (a, b) -> a));
        assertThat(labels)
                .containsEntry("The battery is great.", "positive")
                .containsEntry("This blender is not good.", "negative")
                .containsEntry("The app is not bad at all.", "positive")
                .containsEntry("The screen was hardly worth the price.", "negative")
                .containsEntry("The delivery arrived on Tuesday.", "neutral")
                .containsEntry("This jacket came in a blue box. I would recommend it.", "positive");
        assertThat(results.stream().map(Review::label).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("negative", "neutral", "positive");

        assertThat(batchSizes).allMatch(size -> size <= SentimentModel.MAX_BATCH_SIZE);
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(RECORDS);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("#0 positive")
                .contains("\"The battery is great.\"")
                .contains("summary: 480 records, " + batchSizes.size() + " requests");
    }

    /**
     * The sample's own command line with {@code --endpoint grpc://…}: the job calls the server's
     * gRPC port, which speaks nothing else, and every review is scored there.
     */
    @Test
    void theSampleRunsOverGrpcWithAGrpcEndpoint() throws Exception {
        try (TritonTestServer triton =
                TritonTestServer.builder()
                        .model(SentimentModel.embedded(SentimentModel.NAME))
                        .grpc()
                        .start()) {
            String printed =
                    runSample(
                            "--endpoint",
                            triton.grpcEndpoint(),
                            "--records",
                            String.valueOf(RECORDS),
                            "--parallelism",
                            "2");

            assertThat(triton.grpcEndpoint()).startsWith("grpc://127.0.0.1:");
            assertThat(printed)
                    .contains("at " + triton.grpcEndpoint())
                    .contains("#0 positive")
                    .contains("summary: " + RECORDS + " records");
            assertThat(triton.stats().records(SentimentModel.NAME)).isEqualTo(RECORDS);
        }
    }

    /** {@code --grpc}: the embedded server serves gRPC too, and the job calls it over gRPC. */
    @Test
    void theGrpcFlagRunsTheSampleOverTheEmbeddedServersGrpcPort() throws Exception {
        SampleOptions options =
                TextClassificationJob.defaults()
                        .parse("TextClassificationJob", new String[] {"--grpc"}, System.out)
                        .orElseThrow();
        try (SampleServer server = SampleServer.start(options, SentimentModel::embedded)) {
            assertThat(server.endpoint()).startsWith("grpc://127.0.0.1:");
        }

        String printed = runSample("--grpc", "--records", String.valueOf(RECORDS));

        assertThat(printed)
                .contains("model sentiment at the embedded test server over gRPC")
                .contains("#0 positive")
                .containsPattern("summary: " + RECORDS + " records, [1-9][0-9]* requests");
    }

    /** Runs the sample's command line as {@code main} would, and returns what it printed. */
    private static String runSample(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                SampleMain.run(
                        "TextClassificationJob",
                        TextClassificationJob.defaults(),
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        TextClassificationJob::run);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code)
                .as(
                        "exit code; printed:%n%s%nerrors:%n%s",
                        printed, err.toString(StandardCharsets.UTF_8))
                .isEqualTo(SampleMain.OK);
        return printed;
    }

    @Test
    void scorerFollowsItsRules() throws Exception {
        TextScorer scorer = TextScorer.load();
        assertThat(scorer.polarity("good")).isEqualTo(2);
        assertThat(scorer.polarity("very good")).isEqualTo(3);
        assertThat(scorer.polarity("not good")).isEqualTo(-2);
        assertThat(scorer.polarity("not very good")).isEqualTo(-3);
        assertThat(scorer.polarity("not at all good")).isEqualTo(-2);
        assertThat(scorer.polarity("not one bit of it good")).isEqualTo(2);
        assertThat(scorer.polarity("Terrible, TERRIBLE service")).isEqualTo(-6);
        assertThat(scorer.polarity("it arrived")).isZero();
        assertThat(TextScorer.label(scorer.scores("it arrived"))).isEqualTo("neutral");
        assertThat(TextScorer.label(scorer.scores(""))).isEqualTo("neutral");

        Function<String, float[]> scores = scorer::scores;
        assertThat(scores.apply("great")[2]).isGreaterThan(0.9f);
    }

    @Test
    void wrongOptionsDeadEndpointAndNoRecordsAreClearAtTheTerminal() {
        Terminal.checkCommandLine(
                "TextClassificationJob",
                TextClassificationJob::defaults,
                TextClassificationJob::run,
                "sentiment");
    }
}
