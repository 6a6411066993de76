package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.client.ClientTestTypes.Text;
import org.flinktriton.client.ClientTestTypes.TextOut;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code maxRequestBytes} over both transports: records are split into requests by their input
 * bytes as well as by count (the server counts the requests), a record too large for any request
 * fails before it is sent, and over gRPC the default keeps a batch under the 4 MiB that gRPC
 * servers accept by default.
 */
@Timeout(120)
class MaxRequestBytesTest {
    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .grpc()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 64))
                        .model(TestModels.identity("text", 64, TritonDataType.BYTES, 1))
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.faults().clear();
        server.stats().reset();
    }

    private static TritonModelClient.Builder client(String transport, String model) {
        return TritonModelClient.builder()
                .endpoint("grpc".equals(transport) ? server.grpcEndpoint() : server.endpoint())
                .model(model)
                .retry(RetryPolicy.none());
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    private static List<Text> texts(int... lengths) {
        List<Text> texts = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            texts.add(new Text(Character.toString('a' + i).repeat(lengths[i])));
        }
        return texts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "grpc"})
    void fixedSizeRecordsAreSplitByBytesAndByCount(String transport) {
        // Each record: 2 inputs × 16 FP32 = 128 bytes; three fit in 400.
        try (TritonModelClient client = client(transport, "add_sub").maxRequestBytes(400).build()) {
            List<AddSubResult> out =
                    client.infer(records(10), AddSubResult.class).orTimeout(30, SECONDS).join();

            assertThat(out).hasSize(10);
            for (int i = 0; i < 10; i++) {
                assertThat(out.get(i).sum()[0]).isEqualTo(i + 1f); // in input order
            }
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(4); // 3, 3, 3, 1
        }
        server.stats().reset();
        try (TritonModelClient client =
                client(transport, "add_sub").maxRequestBytes(400).maxRecordsPerRequest(2).build()) {
            assertThat(client.infer(records(10), AddSubResult.class).orTimeout(30, SECONDS).join())
                    .hasSize(10);
            assertThat(server.stats().inferRequests("add_sub")).isEqualTo(5); // count decides
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "grpc"})
    void bytesRecordsAreSplitByTheirOwnSizes(String transport) {
        // Each element is 4 bytes of length and its UTF-8 bytes: 14, 54, 34, 64, 9 bytes.
        List<Text> texts = texts(10, 50, 30, 60, 5);
        try (TritonModelClient client = client(transport, "text").maxRequestBytes(100).build()) {
            List<TextOut> out = client.infer(texts, TextOut.class).orTimeout(30, SECONDS).join();

            assertThat(out)
                    .extracting(TextOut::text)
                    .containsExactly(texts.stream().map(Text::text).toArray(String[]::new));
            assertThat(server.stats().inferRequests("text")).isEqualTo(3); // 68, 98, 9 bytes
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "grpc"})
    void aRecordTooLargeForAnyRequestFailsBeforeItIsSent(String transport) {
        try (TritonModelClient client = client(transport, "text").maxRequestBytes(100).build()) {
            client.validate(Text.class, TextOut.class);
            Throwable thrown =
                    catchThrowable(
                            () ->
                                    client.infer(texts(200), TextOut.class)
                                            .orTimeout(30, SECONDS)
                                            .join());
            if (thrown instanceof CompletionException) {
                thrown = thrown.getCause();
            }
            assertThat(thrown)
                    .isInstanceOf(TritonRecordException.class)
                    .hasMessageContaining("Model 'text'")
                    .hasMessageContaining("Record 0 (Text) has 204 bytes of input tensors")
                    .hasMessageContaining("over maxRequestBytes 100")
                    .hasMessageContaining("flink-triton.client.max-request-bytes");
            assertThat(((TritonRecordException) thrown).retryable()).isFalse();
            assertThat(server.stats().inferRequests("text")).isZero();

            // inferEach: the record alone fails; the others go, split as before.
            List<InferenceOutcome<TextOut>> outcomes =
                    client.inferEach(texts(10, 200, 50, 30), TextOut.class)
                            .orTimeout(30, SECONDS)
                            .join();
            assertThat(outcomes)
                    .extracting(InferenceOutcome::succeeded)
                    .containsExactly(true, false, true, true);
            assertThat(outcomes.get(1).failure())
                    .isInstanceOf(TritonRecordException.class)
                    .hasMessageContaining("204 bytes");
            assertThat(server.stats().inferRequests("text")).isEqualTo(2); // [0], [2, 3]
        }
    }

    @Test
    void overGrpcTheDefaultKeepsRequestsUnderAServersFourMiB() {
        try (TritonTestServer fourMiB =
                TritonTestServer.builder()
                        .grpc()
                        .maxRequestSize(4 << 20)
                        .model(TestModels.identity("text", 64, TritonDataType.BYTES, 1))
                        .start()) {
            List<Text> texts = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                texts.add(new Text(Integer.toString(i % 10).repeat(100_000))); // 4.8 MB in all
            }
            try (TritonModelClient client =
                    TritonModelClient.builder()
                            .endpoint(fourMiB.grpcEndpoint())
                            .model("text")
                            .retry(RetryPolicy.none())
                            .build()) {
                List<TextOut> out =
                        client.infer(texts, TextOut.class).orTimeout(60, SECONDS).join();

                assertThat(out).hasSize(48);
                assertThat(out.get(47).text()).startsWith("7777");
                assertThat(fourMiB.stats().inferRequests("text")).isEqualTo(2); // 41 + 7
            }
        }
    }
}
