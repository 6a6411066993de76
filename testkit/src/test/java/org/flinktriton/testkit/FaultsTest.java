package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flinktriton.testkit.V2Http.infer;
import static org.flinktriton.testkit.V2Http.request;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.V2Http.Body;
import org.flinktriton.testkit.V2Http.Response;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each injected fault, as a client sees it on the wire, and how the counters record it. */
class FaultsTest {
    static TritonTestServer server;
    static String url;
    static final Body BODY =
            request()
                    .binary(ValidationTest.ints("INPUT0", 2, 16))
                    .binary(ValidationTest.ints("INPUT1", 2, 16))
                    .binaryDataOutput(true)
                    .build();

    @BeforeAll
    static void start() {
        server = TritonTestServer.start(TestModels.simple());
        url = server.endpoint() + "/v2/models/simple/infer";
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void clear() {
        server.faults().clear();
        server.stats().reset();
    }

    @Test
    void latencyDelaysEveryInferRequestButNotMetadata() {
        server.faults().latency(Duration.ofMillis(300));
        long start = System.nanoTime();
        assertThat(infer(url, BODY).status).isEqualTo(200);
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(300);

        start = System.nanoTime();
        assertThat(V2Http.get(server.endpoint() + "/v2/models/simple").status).isEqualTo(200);
        assertThat(millisSince(start)).isLessThan(300);
        assertThat(server.faults().latency()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void failNextAnswersTheNextRequestsWithTheStatusThenRecovers() {
        server.faults().failNext(2, 503, "server is busy");
        for (int i = 0; i < 2; i++) {
            Response response = infer(url, BODY);
            assertThat(response.status).isEqualTo(503);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.error()).isEqualTo("server is busy");
        }
        assertThat(infer(url, BODY).status).isEqualTo(200);
        assertThat(server.stats().responses(503)).isEqualTo(2);
        assertThat(server.stats().errorResponses()).isEqualTo(2);
        assertThat(server.stats().records()).isEqualTo(2); // only the last one ran the model
    }

    @Test
    void failEveryAnswersEveryKthRequest() {
        server.faults().failEvery(3, 500, "flaky");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            statuses.add(infer(url, BODY).status);
        }
        assertThat(statuses).containsExactly(200, 200, 500, 200, 200, 500, 200);
        server.faults().failEvery(0, 500, "off");
        assertThat(infer(url, BODY).status).isEqualTo(200);
    }

    @Test
    void dropNextClosesTheConnectionWithoutAnswer() {
        server.faults().dropNext(1);
        assertThatThrownBy(() -> infer(url, BODY))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("header parser received no bytes");
        assertThat(infer(url, BODY).status).isEqualTo(200);
        assertThat(server.stats().inferRequests()).isEqualTo(2);
        assertThat(server.stats().droppedOrTruncated()).isEqualTo(1);
        assertThat(server.stats().responses(200)).isEqualTo(1);
    }

    @Test
    void truncateNextSendsHalfTheDeclaredBody() {
        server.faults().truncateNext(1);
        assertThatThrownBy(() -> infer(url, BODY))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("fixed content-length");
        Response next = infer(url, BODY);
        assertThat(next.status).isEqualTo(200);
        assertThat(next.outputs().get("OUTPUT0").toInt32s()).hasSize(32);
        assertThat(server.stats().droppedOrTruncated()).isEqualTo(1);
    }

    @Test
    void malformNextSendsA200ThatIsNotJson() {
        server.faults().malformNext(1);
        Response response = infer(url, BODY);
        assertThat(response.status).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(new String(response.body, UTF_8))
                .isEqualTo("{\"model_name\":\"simple\",\"outputs\":[{\"name\":");
        assertThat(infer(url, BODY).outputs()).containsOnlyKeys("OUTPUT0", "OUTPUT1");
    }

    @Test
    void faultsOnlyTouchSuccessfulResponsesAfterwards() {
        server.faults().truncateNext(1);
        Response invalid =
                infer(url, request().binary(ValidationTest.ints("INPUT0", 1, 16)).build());
        assertThat(invalid.status).isEqualTo(400); // a 400 does not use the truncation up
        assertThatThrownBy(() -> infer(url, BODY)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThatThrownBy(() -> server.faults().failNext(1, 200, "ok"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4xx or 5xx");
        assertThatThrownBy(() -> server.faults().dropNext(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.faults().latency(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clearTurnsEverythingOff() {
        server.faults()
                .latency(Duration.ofSeconds(5))
                .failNext(5, 500, "x")
                .failEvery(1, 500, "y")
                .dropNext(5)
                .truncateNext(5)
                .malformNext(5);
        server.faults().clear();
        assertThat(infer(url, BODY).status).isEqualTo(200);
        assertThat(server.faults().latency()).isZero();
        assertThat(server.faults().toString()).contains("dropNext=0");
    }

    @Test
    void dataTypesOfFaultyServerStillServeTheRightBatch() {
        Tensor one =
                Tensor.ofInt32s("INPUT0", TritonDataType.INT32, new long[] {1, 16}, new int[16]);
        server.faults().failEvery(2, 429, "slow down");
        Response first = infer(url, request().json(one).json(one.withName("INPUT1")).build());
        Response second = infer(url, request().json(one).json(one.withName("INPUT1")).build());
        assertThat(first.status).isEqualTo(200);
        assertThat(second.status).isEqualTo(429);
        assertThat(server.stats().batchSizes()).containsExactly(1);
    }

    static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
