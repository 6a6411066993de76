package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flinktriton.testkit.V2Http.infer;
import static org.flinktriton.testkit.V2Http.request;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.V2Http.Body;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The counters: requests per model, batch sizes, records, statuses, concurrency, reset. */
class ServerStatsTest {
    static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.simple())
                        .model(TestModels.identity("one", 0, TritonDataType.INT32, 16))
                        .workerThreads(16)
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

    @Test
    void countsRequestsBatchSizesAndRecordsPerModel() {
        for (int batch : new int[] {8, 3, 8, 1}) {
            assertThat(infer(simpleUrl(), batch(batch)).status).isEqualTo(200);
        }
        Body single = request().binary(ValidationTest.ints("INPUT0", 16)).build();
        assertThat(infer(server.endpoint() + "/v2/models/one/infer", single).status).isEqualTo(200);
        infer(simpleUrl(), request().binary(ValidationTest.ints("INPUT0", 2, 16)).build());
        V2Http.postJson(server.endpoint() + "/v2/models/ghost/infer", "{}");

        ServerStats stats = server.stats();
        assertThat(stats.inferRequests()).isEqualTo(7);
        assertThat(stats.inferRequests("simple")).isEqualTo(5);
        assertThat(stats.inferRequests("one")).isEqualTo(1);
        assertThat(stats.inferRequests("ghost")).isEqualTo(1);
        assertThat(stats.batchSizes("simple")).containsExactly(8, 3, 8, 1);
        assertThat(stats.batchSizes("one")).containsExactly(1);
        assertThat(stats.batchSizes()).containsExactly(8, 3, 8, 1, 1);
        assertThat(stats.batchSizeHistogram())
                .containsExactly(
                        org.assertj.core.api.Assertions.entry(1, 2L),
                        org.assertj.core.api.Assertions.entry(3, 1L),
                        org.assertj.core.api.Assertions.entry(8, 2L));
        assertThat(stats.records()).isEqualTo(21);
        assertThat(stats.records("simple")).isEqualTo(20);
        assertThat(stats.responses(200)).isEqualTo(5);
        assertThat(stats.responses(400)).isEqualTo(1);
        assertThat(stats.responses(404)).isEqualTo(1);
        assertThat(stats.errorResponses()).isEqualTo(2);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.toString()).contains("inferRequests=7");

        stats.reset();
        assertThat(stats.inferRequests()).isZero();
        assertThat(stats.inferRequests("simple")).isZero();
        assertThat(stats.batchSizes()).isEmpty();
        assertThat(stats.batchSizeHistogram()).isEmpty();
        assertThat(stats.records()).isZero();
        assertThat(stats.errorResponses()).isZero();
        assertThat(stats.peakInFlight()).isZero();
    }

    @Test
    void peakInFlightCountsConcurrentRequests() throws Exception {
        server.faults().latency(Duration.ofMillis(400));
        Body body = batch(2);
        List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(
                    V2Http.CLIENT.sendAsync(
                            HttpRequest.newBuilder(URI.create(simpleUrl()))
                                    .header(
                                            "Inference-Header-Content-Length",
                                            Integer.toString(body.headerLength))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray()));
        }
        assertThat(server.stats().awaitInFlight(6, Duration.ofSeconds(5))).isTrue();
        assertThat(server.stats().inFlight()).isEqualTo(6);
        for (CompletableFuture<HttpResponse<byte[]>> call : calls) {
            assertThat(call.get().statusCode()).isEqualTo(200);
        }
        assertThat(server.stats().inFlight()).isZero();
        assertThat(server.stats().peakInFlight()).isEqualTo(6);
        assertThat(server.stats().awaitInferRequests(6, Duration.ofSeconds(1))).isTrue();
        assertThat(server.stats().awaitInferRequests(7, Duration.ofMillis(50))).isFalse();
        assertThat(server.stats().awaitInFlight(1, Duration.ofMillis(50))).isFalse();

        server.stats().reset();
        assertThat(server.stats().peakInFlight()).isZero();
    }

    static String simpleUrl() {
        return server.endpoint() + "/v2/models/simple/infer";
    }

    static Body batch(int size) {
        return request()
                .binary(ValidationTest.ints("INPUT0", size, 16))
                .binary(ValidationTest.ints("INPUT1", size, 16))
                .build();
    }
}
