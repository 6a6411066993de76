package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.InferParameter;
import org.flinktriton.grpc.internal.proto.ModelConfigRequest;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelStreamInferResponse;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's side of a decoupled {@link TestModel}, seen with raw protocol clients: its config,
 * the unary endpoints' refusal, and the responses of one request on {@code ModelStreamInfer}.
 */
@Timeout(60)
class DecoupledModelTest {
    private static TritonTestServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        TestModel countdown =
                TestModel.builder("countdown")
                        .input("N", TritonDataType.INT32, 1)
                        .output("LEFT", TritonDataType.INT32, 1)
                        .decoupled(
                                (request, sink) -> {
                                    int n = request.input("N").toInt32s()[0];
                                    if (n < 0) {
                                        throw new IllegalArgumentException("N is negative");
                                    }
                                    for (int i = n; i > 0; i--) {
                                        sink.send(
                                                List.of(
                                                        Tensor.ofInt32s(
                                                                "LEFT",
                                                                TritonDataType.INT32,
                                                                new long[] {1},
                                                                new int[] {i})));
                                    }
                                })
                        .build();
        server = TritonTestServer.builder().grpc().model(countdown).start();
        channel = GrpcClients.plaintext(server);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void theConfigSaysDecoupledOverBothProtocols() throws Exception {
        HttpResponse<String> config =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        server.endpoint()
                                                                + "/v2/models/countdown/config"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(config.body()).contains("\"decoupled\":true");
        assertThat(
                        GRPCInferenceServiceGrpc.newBlockingStub(channel)
                                .modelConfig(
                                        ModelConfigRequest.newBuilder()
                                                .setName("countdown")
                                                .build())
                                .getConfig()
                                .getModelTransactionPolicy()
                                .getDecoupled())
                .isTrue();
    }

    @Test
    void unaryInferenceRefusesADecoupledModel() throws Exception {
        StatusRuntimeException unary =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                                        .modelInfer(request(3, "a")));
        assertThat(unary.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(unary.getStatus().getDescription()).contains("decoupled");

        HttpResponse<String> http =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        server.endpoint()
                                                                + "/v2/models/countdown/infer"))
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        "{\"inputs\":[{\"name\":\"N\",\"shape\":[1],"
                                                                + "\"datatype\":\"INT32\",\"data\":[3]}]}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(http.statusCode()).isEqualTo(501);
        assertThat(http.body()).contains("decoupled");
    }

    @Test
    void aStreamCarriesEachResponseThenAnEmptyFinalOneAndErrorsPerRequest() throws Exception {
        BlockingQueue<ModelStreamInferResponse> responses = new LinkedBlockingQueue<>();
        StreamObserver<ModelInferRequest> requests =
                GRPCInferenceServiceGrpc.newStub(channel)
                        .modelStreamInfer(
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(ModelStreamInferResponse value) {
                                        responses.add(value);
                                    }

                                    @Override
                                    public void onError(Throwable t) {}

                                    @Override
                                    public void onCompleted() {}
                                });
        requests.onNext(request(3, "three"));
        requests.onNext(request(-1, "bad"));
        List<String> three = new ArrayList<>();
        String error = null;
        int finals = 0;
        while (finals < 1 || error == null) {
            ModelStreamInferResponse response = responses.poll(10, TimeUnit.SECONDS);
            assertThat(response).as("a response").isNotNull();
            if (!response.getErrorMessage().isEmpty()) {
                assertThat(response.getInferResponse().getId()).isEqualTo("bad");
                error = response.getErrorMessage();
                continue;
            }
            assertThat(response.getInferResponse().getId()).isEqualTo("three");
            boolean last =
                    response.getInferResponse()
                            .getParametersMap()
                            .get("triton_final_response")
                            .getBoolParam();
            if (last) {
                assertThat(response.getInferResponse().getOutputsCount()).isZero();
                finals++;
            } else {
                three.add(
                        String.valueOf(
                                response.getInferResponse()
                                        .getRawOutputContents(0)
                                        .asReadOnlyByteBuffer()
                                        .order(ByteOrder.LITTLE_ENDIAN)
                                        .getInt()));
            }
        }
        requests.onCompleted();
        assertThat(three).containsExactly("3", "2", "1");
        assertThat(error).contains("N is negative");
        assertThat(server.stats().streamResponses()).isEqualTo(3);
    }

    private static ModelInferRequest request(int n, String id) {
        return ModelInferRequest.newBuilder()
                .setModelName("countdown")
                .setId(id)
                .putParameters(
                        "triton_enable_empty_final_response",
                        InferParameter.newBuilder().setBoolParam(true).build())
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("N")
                                .setDatatype("INT32")
                                .addShape(1))
                .addRawInputContents(
                        ByteString.copyFrom(
                                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, n)))
                .build();
    }
}
