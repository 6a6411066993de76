package org.flinktriton.samples.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.samples.common.SampleOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs {@link TextGenerationJob} on a MiniCluster against the embedded decoupled model, over gRPC's
 * {@code ModelStreamInfer}.
 */
class TextGenerationJobITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    @Test
    void eachPromptGetsItsWordsInOrderAndASilentPromptEnds() throws Exception {
        List<String> prompts =
                List.of(
                        "the quick brown fox jumps over the lazy dog",
                        "   ",
                        "one",
                        "a b c d e f g h i j k l m n o p q r s t u v w x y z");
        int records = 40;
        SampleOptions options =
                TextGenerationJob.defaults()
                        .records(records)
                        .parallelism(2)
                        .maxBatchSize(3)
                        .show(4)
                        .set("--max-tokens", "20")
                        .build();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<Long, List<String>> replies;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            replies = TextGenerationJob.run(options, prompts, out);
        }

        assertThat(replies).hasSize(records);
        for (long id = 0; id < records; id++) {
            String prompt = prompts.get((int) (id % prompts.size()));
            assertThat(replies.get(id))
                    .as("prompt #%d", id)
                    .containsExactlyElementsOf(TextGenerationJob.reply(prompt, 20));
        }
        assertThat(replies.get(0L))
                .containsExactly(
                        "dog", " lazy", " the", " over", " jumps", " fox", " brown", " quick",
                        " the");
        assertThat(replies.get(1L)).isEmpty(); // no response at all, and still ended
        assertThat(replies.get(3L)).hasSize(20).startsWith("z", " y").endsWith(" g");

        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .contains("over gRPC")
                .contains(
                        "#0 \"the quick brown fox jumps over the lazy dog\" ->"
                                + " \"dog lazy the over jumps fox brown quick the\" (9 responses)")
                .contains("#1 \"   \" -> \"\" (0 responses)")
                .contains(
                        "summary: 40 prompts, "
                                + (10 * (9 + 0 + 1 + 20))
                                + " streamed responses, 10 prompts without any, 40 requests");
    }

    @Test
    void anHttpEndpointIsRefusedWithTheReason() {
        SampleOptions options =
                TextGenerationJob.defaults().endpoint("http://127.0.0.1:8000").build();
        assertThatThrownBy(
                        () ->
                                TextGenerationJob.run(
                                        options,
                                        TextGenerationJob.PROMPTS,
                                        new PrintStream(new ByteArrayOutputStream())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grpc://host:8001")
                .hasMessageContaining("http://127.0.0.1:8000");
    }
}
