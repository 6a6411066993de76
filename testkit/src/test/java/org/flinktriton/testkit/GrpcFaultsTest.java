package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.flinktriton.testkit.GrpcFaceTest.ints;
import static org.flinktriton.testkit.GrpcFaceTest.simpleRaw;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ServerLiveRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The faults of one {@link TritonTestServer} over its gRPC face: injected statuses become Triton's
 * gRPC statuses, seeded rates decide exactly as over HTTP (one engine for both), drops and resets,
 * cut and malformed answers, poison, deadlines that cancel the handler, outages.
 */
@Timeout(60)
class GrpcFaultsTest {
    private TritonTestServer server;
    private ManagedChannel channel;
    private GRPCInferenceServiceBlockingStub stub;

    @BeforeEach
    void start() {
        server = TritonTestServer.builder().grpc().model(TestModels.simple()).start();
        channel = GrpcClients.plaintext(server);
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    private StatusRuntimeException fail() {
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                                        .modelInfer(simpleRaw(1, 0, "").build()));
        assertThat(e).as("a failed call").isNotNull();
        return e;
    }

    private ModelInferResponse infer() {
        return stub.withDeadlineAfter(20, TimeUnit.SECONDS).modelInfer(simpleRaw(1, 0, "").build());
    }

    @ParameterizedTest
    @CsvSource({
        "503, UNAVAILABLE",
        "429, UNAVAILABLE",
        "413, RESOURCE_EXHAUSTED",
        "400, INVALID_ARGUMENT",
        "404, NOT_FOUND",
        "500, INTERNAL",
        "501, UNIMPLEMENTED",
        "502, UNAVAILABLE",
        "504, DEADLINE_EXCEEDED"
    })
    void injectedStatusesBecomeTritonsGrpcStatuses(int status, Status.Code code) {
        server.faults().failNext(1, status, "injected " + status);

        Status answer = fail().getStatus();

        assertThat(answer.getCode()).isEqualTo(code);
        assertThat(answer.getDescription()).isEqualTo("injected " + status);
        assertThat(server.stats().injectedFailures(status)).isEqualTo(1);
        assertThat(server.stats().responses(status)).isEqualTo(1);
        assertThat(server.stats().records()).isZero();
        assertThat(infer().getRawOutputContentsCount()).isEqualTo(2);
    }

    @Test
    void retryAfterTravelsAsATrailer() {
        server.faults().failRate(1.0, 429, "queue full", Duration.ofMillis(1500));

        StatusRuntimeException e = fail();

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE); // load, not size
        assertThat(
                        e.getTrailers()
                                .get(
                                        Metadata.Key.of(
                                                "retry-after", Metadata.ASCII_STRING_MARSHALLER)))
                .isEqualTo("2");
    }

    @Test
    void seededRatesDecideExactlyAsOverHttp() {
        server.faults().seed(42).failRate(0.2, 503, "reloading").resetRate(0.05);
        List<String> overGrpc = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            try {
                stub.modelInfer(simpleRaw(2, 0, "").build()); // the same batch of 2 as BODY
                overGrpc.add("200");
            } catch (StatusRuntimeException e) {
                overGrpc.add(e.getStatus().getCode().name());
            }
        }
        String grpcStats = counts(server.stats());
        long resets = server.stats().resets();

        server.stats().reset();
        server.faults().seed(42);
        List<String> overHttp = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            try {
                int status =
                        V2Http.infer(server.endpoint() + "/v2/models/simple/infer", FaultsTest.BODY)
                                .status;
                overHttp.add(status == 503 ? "UNAVAILABLE" : Integer.toString(status));
            } catch (UncheckedIOException e) {
                overHttp.add("UNAVAILABLE"); // the reset: the connection ended
            }
        }

        assertThat(counts(server.stats())).isEqualTo(grpcStats);
        assertThat(overGrpc).isEqualTo(overHttp);
        assertThat(server.stats().injectedFailures(503)).isEqualTo(31); // exact for seed 42
        assertThat(resets).isEqualTo(server.stats().resets()).isPositive();
    }

    private static String counts(ServerStats stats) {
        return "requests="
                + stats.inferRequests()
                + " records="
                + stats.records()
                + " 200="
                + stats.responses(200)
                + " 503="
                + stats.responses(503)
                + " injected="
                + stats.injectedFailures()
                + " resets="
                + stats.resets();
    }

    @Test
    void dropsAndResetsAnswerUnavailableWithoutRunningTheModel() {
        server.faults().dropNext(1);
        StatusRuntimeException dropped = fail();
        assertThat(dropped.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(dropped.getStatus().getDescription()).contains("dropped");
        assertThat(server.stats().droppedOrTruncated()).isEqualTo(1);

        server.faults().resetRate(1.0);
        StatusRuntimeException reset = fail();
        assertThat(reset.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(reset.getStatus().getDescription()).contains("reset");
        assertThat(server.stats().resets()).isEqualTo(1);
        assertThat(server.stats().records()).isZero();
        assertThat(server.stats().responses(200)).isZero();
        assertThat(server.stats().inFlight()).isZero();
    }

    @Test
    void truncatedAndMalformedAnswersBreakTheProtocol() {
        server.faults().truncateNext(1);
        ModelInferResponse truncated = infer();
        assertThat(truncated.getRawOutputContentsCount()).isEqualTo(2);
        assertThat(truncated.getRawOutputContents(0).size()).isEqualTo(32); // of 64
        assertThat(server.stats().droppedOrTruncated()).isEqualTo(1);

        server.faults().malformNext(1);
        ModelInferResponse malformed = infer();
        assertThat(malformed.getOutputsCount()).isEqualTo(2);
        assertThat(malformed.getRawOutputContentsCount()).isZero();

        assertThat(ints(infer().getRawOutputContents(0))).hasSize(16);
    }

    @Test
    void aPoisonBatchIsInvalidArgumentNamingTheRecord() {
        server.faults().poisonWhere("INPUT0", first -> first == 32);

        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () -> stub.modelInfer(simpleRaw(4, 0, "").build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription())
                .isEqualTo("Model 'simple' cannot run the batch: poison record at index 2 of 4");
        assertThat(server.stats().poisonAnswers()).isEqualTo(1);
        assertThat(server.stats().responses(400)).isEqualTo(1);
    }

    @Test
    void aCallPastItsDeadlineIsCancelledOnTheServer() throws InterruptedException {
        stub.serverLive(ServerLiveRequest.getDefaultInstance()); // connected before the clock runs
        server.faults().latency(Duration.ofSeconds(30));
        long start = System.nanoTime();

        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub.withDeadlineAfter(3, TimeUnit.SECONDS)
                                        .modelInfer(simpleRaw(1, 0, "").build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(server.stats().inferRequests()).isEqualTo(1);
        // The handler's sleep is interrupted: the request leaves flight long before 30 s.
        assertThat(server.stats().awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(server.stats().cancelled()).isEqualTo(1);
        assertThat(server.stats().errorResponses()).isZero();
        assertThat(server.stats().records()).isZero();

        server.faults().latency(Duration.ZERO);
        assertThat(infer().getRawOutputContentsCount()).isEqualTo(2); // the thread serves on
    }

    @Test
    void aCallItsClientCancelsIsCancelledOnTheServer() throws Exception {
        server.faults().latency(Duration.ofSeconds(30));
        ListenableFuture<ModelInferResponse> call =
                GRPCInferenceServiceGrpc.newFutureStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .modelInfer(simpleRaw(1, 0, "").build());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(10))).isTrue();

        call.cancel(true);

        assertThat(server.stats().awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(server.stats().cancelled()).isEqualTo(1);
        assertThat(server.stats().errorResponses()).isZero();
    }

    @Test
    void anOutageClosesTheGrpcPortTooThenServesAgainOnIt() throws Exception {
        int port = server.grpcPort();
        server.startOutage();
        StatusRuntimeException refused = fail();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        assertThat(server.endOutage()).isTrue();
        assertThat(server.grpcPort()).isEqualTo(port);
        assertThat(
                        stub.withWaitForReady()
                                .withDeadlineAfter(20, TimeUnit.SECONDS)
                                .serverLive(ServerLiveRequest.getDefaultInstance())
                                .getLive())
                .isTrue();
        assertThat(infer().getRawOutputContentsCount()).isEqualTo(2);
    }

    @Test
    void anOutageCutsTheCallsInFlight() throws Exception {
        server.faults().latency(Duration.ofSeconds(30));
        Thread caller =
                new Thread(
                        () -> {
                            try {
                                infer();
                            } catch (StatusRuntimeException expected) {
                                // cut by the outage
                            }
                        });
        caller.start();
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(10))).isTrue();

        server.outage(Duration.ofMillis(200)).get(20, TimeUnit.SECONDS);
        caller.join(10_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(server.stats().cutByOutage()).isEqualTo(1);
        assertThat(server.stats().awaitIdle(Duration.ofSeconds(10))).isTrue();
    }
}
