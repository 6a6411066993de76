package org.flinktriton.samples.image;

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
 * Runs {@link ImageClassificationJob} on a MiniCluster against the embedded {@code densenet_onnx}
 * stand-in.
 */
class ImageClassificationJobITCase {
    private static final int RECORDS = 40;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void everyImageIsClassifiedAsTheClassItWasDrawnAs() throws Exception {
        SampleOptions options =
                ImageClassificationJob.defaults().records(RECORDS).parallelism(2).build();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Classification> results;
        List<Integer> batchSizes;
        try (SampleServer server = SampleServer.start(options, ColorClassifier::embedded);
                PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            results =
                    SampleRun.execute(
                            "image classification",
                            ImageClassificationJob.pipeline(env, server.endpoint(), options),
                            server,
                            options,
                            Comparator.comparingLong(result -> result.id),
                            out);
            batchSizes = server.embeddedServer().orElseThrow().stats().batchSizes("densenet_onnx");
        }

        assertThat(results)
                .extracting(result -> result.id)
                .containsExactlyElementsOf(LongStream.range(0, RECORDS).boxed().toList());
        for (Classification result : results) {
            assertThat(result.drawnClass).isEqualTo(SyntheticImages.classOf(result.id));
            assertThat(result.topClasses).hasSize(ImageClassificationJob.TOP_K);
            assertThat(result.topClasses[0]).isEqualTo(result.drawnClass);
            for (int i = 1; i < result.topScores.length; i++) {
                assertThat(result.topScores[i]).isLessThanOrEqualTo(result.topScores[i - 1]);
            }
            // The runners-up differ from the drawn class in one colour by one level.
            assertThat(result.topScores[1]).isLessThan(result.topScores[0]);
        }
        // max_batch_size 0: one image per request.
        assertThat(batchSizes).hasSize(RECORDS).containsOnly(1);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("#0 drawn as class 000, top: 000")
                .contains("summary: 40 records, 40 requests, mean batch 1.0");
    }

    @Test
    void topKPicksTheLargestScoresInOrder() {
        float[] scores = {0.1f, 0.9f, -1f, 0.9f, 0.5f, Float.NaN, 0.7f};
        assertThat(TopK.indices(scores, 3)).containsExactly(1, 3, 6);
        assertThat(TopK.indices(scores, 1)).containsExactly(1);
        assertThat(TopK.indices(new float[] {2f, 1f}, 5)).containsExactly(0, 1);
        assertThat(TopK.indices(scores, 0)).isEmpty();
    }

    @Test
    void preprocessingScalesToMinusOneToOneChannelsFirst() {
        RawImage image = SyntheticImages.generate(123, 0);
        ImageRequest request = ImageRequest.preprocess(image);
        int plane = SyntheticImages.SIZE * SyntheticImages.SIZE;
        assertThat(request.pixels).hasSize(3 * plane);
        for (int c = 0; c < 3; c++) {
            assertThat(request.pixels[c * plane + 5])
                    .isEqualTo((image.rgb[5 * 3 + c] & 0xff) / 127.5f - 1f);
        }
        assertThat(ColorClassifier.scores(request.pixels))
                .hasSize(1000)
                .satisfies(
                        scores ->
                                assertThat(TopK.indices(scores, 1))
                                        .containsExactly(SyntheticImages.classOf(123)));
    }

    @Test
    void wrongOptionsDeadEndpointAndNoRecordsAreClearAtTheTerminal() {
        Terminal.checkCommandLine(
                "ImageClassificationJob",
                ImageClassificationJob::defaults,
                ImageClassificationJob::run,
                ColorClassifier.NAME);
    }
}
