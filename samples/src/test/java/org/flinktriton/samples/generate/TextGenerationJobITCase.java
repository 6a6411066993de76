package org.flinktriton.samples.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.Terminal;
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
    void theCommandLineNamesWhatIsWrong() {
        Terminal wrong = terminal("--max-tokens", "many");
        assertThat(wrong.exitCode()).isEqualTo(SampleMain.USAGE);
        assertThat(wrong.errLines().get(0)).contains("--max-tokens").contains("many");
        assertThat(wrong.err()).contains("--max-tokens N");

        Terminal http = terminal("--endpoint", "http://127.0.0.1:8000");
        assertThat(http.exitCode()).isEqualTo(SampleMain.FAILED);
        assertThat(http.errLines().get(0))
                .contains("grpc://host:8001")
                .contains("http://127.0.0.1:8000");

        String dead = "grpc://127.0.0.1:" + Terminal.closedPort();
        Terminal failed =
                terminal("--endpoint", dead, "--records", "3", "--batch-timeout-ms", "1500");
        assertThat(failed.exitCode()).as(failed.err()).isEqualTo(SampleMain.FAILED);
        assertThat(failed.errLines().get(0))
                .as(failed.err())
                .startsWith("TextGenerationJob failed: Model 'vllm_model'")
                .contains(dead.substring("grpc://".length()));

        Terminal none = terminal("--records", "0");
        assertThat(none.exitCode()).as(none.err()).isEqualTo(SampleMain.OK);
        assertThat(none.out()).contains("summary: 0 prompts, 0 streamed responses");
    }

    private static Terminal terminal(String... args) {
        return Terminal.run(
                "TextGenerationJob",
                TextGenerationJob::defaults,
                (options, out) -> TextGenerationJob.run(options, TextGenerationJob.PROMPTS, out),
                args);
    }
}
