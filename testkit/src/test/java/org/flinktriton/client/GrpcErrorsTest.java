package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the gRPC statuses of the testkit server's gRPC face reach a {@link TritonModelClient}: each
 * as the exception and HTTP-equivalent status its HTTP twin gives, with the gRPC status and message
 * on the side, and the message-size limits ({@code RESOURCE_EXHAUSTED}) named with their size,
 * limit and option, never retried.
 */
@Timeout(120)
class GrpcErrorsTest {
    /** Requests over 1 KiB are refused, by grpc-java, as Triton refuses those over 2 GiB. */
    private static final int SERVER_LIMIT = 1024;

    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .grpc()
                        .maxRequestSize(SERVER_LIMIT)
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 64))
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

    private static TritonModelClient.Builder client() {
        return TritonModelClient.builder()
                .endpoint(server.grpcEndpoint())
                .model("add_sub")
                .retry(
                        RetryPolicy.builder()
                                .maxAttempts(3)
                                .initialBackoff(Duration.ofMillis(10))
                                .maxBackoff(Duration.ofMillis(20))
                                .build());
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    private static TritonServerException failure(TritonModelClient client, int records) {
        Throwable thrown =
                catchThrowable(
                        () ->
                                client.infer(records(records), AddSubResult.class)
                                        .orTimeout(30, SECONDS)
                                        .join());
        if (thrown instanceof CompletionException) {
            thrown = thrown.getCause();
        }
        assertThat(thrown).isInstanceOf(TritonServerException.class);
        return (TritonServerException) thrown;
    }

    @Test
    void internalIsLike500AndCarriesTheGrpcStatusAndMessage() {
        try (TritonModelClient client = client().build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(1, 500, "the backend crashed");

            TritonServerException e = failure(client, 1);

            assertThat(e.statusCode()).isEqualTo(500);
            assertThat(e.retryable()).isFalse();
            assertThat(e.grpcStatus()).contains("INTERNAL");
            assertThat(e.grpcMessage()).contains("the backend crashed");
            assertThat(e.error()).isEqualTo("the backend crashed");
            assertThat(e.getMessage()).contains("gRPC INTERNAL (as HTTP 500)");
            assertThat(client.retries()).isZero();
        }
    }

    @Test
    void unimplementedOnInferSaysTheModelMayBeDecoupled() {
        try (TritonModelClient client = client().build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(1, 501, "ModelInfer is not supported for a decoupled model");

            TritonServerException e = failure(client, 1);

            assertThat(e.statusCode()).isEqualTo(501);
            assertThat(e.retryable()).isFalse();
            assertThat(e.grpcStatus()).contains("UNIMPLEMENTED");
            assertThat(e.getMessage())
                    .contains("ModelInfer (1 record)")
                    .contains("decoupled")
                    .contains("ModelStreamInfer");
        }
    }

    @Test
    void overloadIsUnavailableRetriedLike503WhateverItsHttpStatus() {
        // Triton answers a full queue UNAVAILABLE; the testkit's 429 becomes it too.
        server.faults().failNext(1, 429, "Exceeds maximum queue size");
        try (TritonModelClient client = client().build()) {
            assertThat(client.infer(records(2), AddSubResult.class).orTimeout(30, SECONDS).join())
                    .hasSize(2);
            assertThat(client.retries()).isEqualTo(1);
        }
        server.faults().failRate(1.0, 503, "Server not ready");
        try (TritonModelClient client = client().retry(RetryPolicy.none()).build()) {
            TritonServerException e = failure(client, 1);
            assertThat(e.statusCode()).isEqualTo(503);
            assertThat(e.retryable()).isTrue();
            assertThat(e.grpcStatus()).contains("UNAVAILABLE");
            assertThat(e.grpcMessage()).contains("Server not ready");
        }
    }

    @Test
    void aRequestOverTheServersLimitIsNotRetriedAndNamesSizeLimitAndOption() {
        Logger deframer = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");
        Level level = deframer.getLevel();
        deframer.setLevel(Level.SEVERE); // grpc-java warns of the refused message: expected here
        try (TritonModelClient client = client().maxRequestBytes(1 << 20).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);

            // 8 records of 2 × 16 FP32: 1024 bytes of tensors, more than 1024 with the header.
            TritonServerException e = failure(client, 8);

            assertThat(e.statusCode()).isEqualTo(413);
            assertThat(e.retryable()).isFalse();
            assertThat(e.grpcStatus()).contains("RESOURCE_EXHAUSTED");
            assertThat(e.getMessage())
                    .containsPattern(
                            "the request of \\d{4} bytes is over the server's limit of"
                                    + " 1024 bytes")
                    .contains(
                            "maxRequestBytes (flink-triton.client.max-request-bytes, now"
                                    + " 1048576 bytes)");
            assertThat(client.retries()).isZero();
            assertThat(server.stats().inferRequests()).isZero(); // refused before it was read
        } finally {
            deframer.setLevel(level);
        }
    }

    @Test
    void anAnswerOverMaxResponseBytesIsNotRetriedAndNamesSizeLimitAndOption() {
        try (TritonModelClient client = client().maxResponseBytes(512).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);

            // 4 records: 512 bytes of tensors in, 512 out plus the answer's header.
            TritonServerException e = failure(client, 4);

            assertThat(e.statusCode()).isEqualTo(413);
            assertThat(e.retryable()).isFalse();
            assertThat(e.grpcStatus()).contains("RESOURCE_EXHAUSTED");
            assertThat(e.getMessage())
                    .containsPattern(
                            "the answer of \\d{3,4} bytes is over the client's limit of"
                                    + " 512 bytes")
                    .contains(
                            "maxResponseBytes (flink-triton.client.max-response-bytes, now 512"
                                    + " bytes)");
            assertThat(client.retries()).isZero();
            assertThat(server.stats().inferRequests()).isEqualTo(1);
        }
    }

    /**
     * A {@code CANCELLED} the server sends stays a cancel: only grpc-java's own, for an answer
     * whose bytes do not parse, is a protocol error (see GrpcResponseFuzzTest).
     */
    @Test
    void aCancelFromTheServerIsNotTakenForAnUnreadableAnswer() {
        try (TritonModelClient client = client().retry(RetryPolicy.none()).build()) {
            client.validate(AddSubRequest.class, AddSubResult.class);
            server.faults().failNext(1, 499, "the server gave up");

            Throwable thrown =
                    catchThrowable(
                            () ->
                                    client.infer(records(1), AddSubResult.class)
                                            .orTimeout(30, SECONDS)
                                            .join());

            assertThat(thrown).isInstanceOf(CompletionException.class);
            assertThat(thrown.getCause())
                    .isExactlyInstanceOf(TritonException.class)
                    .hasMessageContaining("ModelInfer (1 record)")
                    .hasMessageContaining("was cancelled: the server gave up");
        }
    }

    @Test
    void anHttpAnswerHasNoGrpcStatus() {
        server.faults().failNext(1, 500, "the backend crashed");
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(server.endpoint())
                        .model("add_sub")
                        .retry(RetryPolicy.none())
                        .build()) {
            TritonException e =
                    (TritonException)
                            catchThrowable(
                                            () ->
                                                    client.infer(records(1), AddSubResult.class)
                                                            .join())
                                    .getCause();
            assertThat(e).isInstanceOf(TritonServerException.class);
            assertThat(((TritonServerException) e).statusCode()).isEqualTo(500);
            assertThat(((TritonServerException) e).grpcStatus()).isEmpty();
            assertThat(((TritonServerException) e).grpcMessage()).isEmpty();
        }
    }
}
