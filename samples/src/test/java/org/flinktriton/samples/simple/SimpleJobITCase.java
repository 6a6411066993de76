package org.flinktriton.samples.simple;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleRun;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.Terminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs {@link SimpleJob} on a MiniCluster against the embedded {@code simple} model. */
class SimpleJobITCase {
    private static final int RECORDS = 500;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void everyRequestGetsItsSumAndDifference() throws Exception {
        SampleOptions options = SimpleJob.defaults().records(RECORDS).parallelism(2).build();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<SimpleSum> results;
        List<Integer> batchSizes;
        try (SampleServer server = SampleServer.start(options, SimpleJob::embeddedModel);
                PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            results =
                    SampleRun.execute(
                            "simple",
                            SimpleJob.pipeline(env, server.endpoint(), options),
                            server,
                            options,
                            Comparator.comparingLong(sum -> sum.id),
                            out);
            batchSizes = server.embeddedServer().orElseThrow().stats().batchSizes("simple");
        }

        assertThat(results).extracting(sum -> sum.id).containsExactlyElementsOf(ids(RECORDS));
        for (SimpleSum result : results) {
            SimpleRequest sent = SimpleRequest.generate(result.id, 0);
            assertThat(result.input0).isEqualTo(sent.input0);
            assertThat(result.input1).isEqualTo(sent.input1);
            for (int i = 0; i < SimpleRequest.LENGTH; i++) {
                assertThat(result.sum[i]).isEqualTo(sent.input0[i] + sent.input1[i]);
                assertThat(result.difference[i]).isEqualTo(sent.input0[i] - sent.input1[i]);
            }
            assertThat(result.doneMicros).isGreaterThanOrEqualTo(result.ingestMicros);
        }
        // Triton's simple_http_client sends 0..15 and sixteen 1s, and prints these.
        assertThat(results.get(0).sum)
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        assertThat(results.get(0).difference)
                .containsExactly(-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);

        // Every record reached the model once, in requests of at most max_batch_size 8.
        assertThat(batchSizes).allMatch(size -> size >= 1 && size <= 8);
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(RECORDS);

        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .contains("#0 INPUT0=[0, 1, 2,")
                .contains("summary: 500 records, " + batchSizes.size() + " requests, mean batch");
    }

    private static List<Long> ids(int count) {
        return java.util.stream.LongStream.range(0, count).boxed().toList();
    }

    @Test
    void wrongOptionsDeadEndpointAndNoRecordsAreClearAtTheTerminal() {
        Terminal.checkCommandLine(
                "SimpleJob", SimpleJob::defaults, SimpleJob::run, SimpleJob.MODEL);
    }
}
