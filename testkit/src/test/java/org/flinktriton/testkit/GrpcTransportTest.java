package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.flinktriton.testkit.GrpcFaceTest.ints;
import static org.flinktriton.testkit.GrpcFaceTest.simpleRaw;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelStreamInferResponse;
import org.flinktriton.grpc.internal.proto.ServerLiveRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the gRPC face carries calls: TLS with the HTTPS certificate, mutual TLS on both faces, gzip
 * both ways, the message size cap, the stream RPC, and the switch that leaves gRPC off.
 */
@Timeout(60)
class GrpcTransportTest {
    private final List<TritonTestServer> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void close() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        servers.forEach(TritonTestServer::close);
    }

    private TritonTestServer start(TritonTestServer.Builder builder) {
        TritonTestServer server = builder.model(TestModels.simple()).start();
        servers.add(server);
        return server;
    }

    private GRPCInferenceServiceBlockingStub stub(
            TritonTestServer server, ChannelCredentials credentials) {
        URI target = URI.create(server.grpcEndpoint());
        ManagedChannel channel =
                Grpc.newChannelBuilderForAddress(target.getHost(), target.getPort(), credentials)
                        .build();
        channels.add(channel);
        return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static TrustManagerFactory trust() throws Exception {
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(TestCertificates.trustStore());
        return trust;
    }

    private static KeyManagerFactory clientKeys() throws Exception {
        KeyManagerFactory keys =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(TestCertificates.clientKeyStore(), TestCertificates.password());
        return keys;
    }

    @Test
    void grpcIsOffByDefault() {
        TritonTestServer server = start(TritonTestServer.builder());
        assertThat(server.hasGrpc()).isFalse();
        assertThat(catchThrowable(server::grpcEndpoint))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serves no gRPC")
                .hasMessageContaining("builder().grpc()");
        assertThat(server.toString()).doesNotContain("grpc");
    }

    @Test
    void grpcsUsesTheHttpsCertificate() throws Exception {
        TritonTestServer server =
                start(TritonTestServer.builder().https(TestCertificates.serverContext()).grpc());
        assertThat(server.grpcEndpoint()).isEqualTo("grpcs://127.0.0.1:" + server.grpcPort());
        assertThat(server.endpoint()).startsWith("https://");

        GRPCInferenceServiceBlockingStub trusting =
                stub(
                        server,
                        TlsChannelCredentials.newBuilder()
                                .trustManager(trust().getTrustManagers())
                                .build());
        assertThat(trusting.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(ints(trusting.modelInfer(simpleRaw(1, 0, "").build()).getRawOutputContents(0)))
                .hasSize(16);

        StatusRuntimeException untrusted =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub(server, TlsChannelCredentials.create())
                                        .serverLive(ServerLiveRequest.getDefaultInstance()));
        assertThat(untrusted.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void mutualTlsRequiresTheClientCertificateOnBothFaces() throws Exception {
        TritonTestServer server =
                start(
                        TritonTestServer.builder()
                                .https(TestCertificates.mutualServerContext())
                                .requireClientCertificates()
                                .grpc());

        GRPCInferenceServiceBlockingStub withCertificate =
                stub(
                        server,
                        TlsChannelCredentials.newBuilder()
                                .trustManager(trust().getTrustManagers())
                                .keyManager(clientKeys().getKeyManagers())
                                .build());
        assertThat(withCertificate.modelInfer(simpleRaw(1, 0, "").build()).getOutputsCount())
                .isEqualTo(2);
        StatusRuntimeException without =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub(
                                                server,
                                                TlsChannelCredentials.newBuilder()
                                                        .trustManager(trust().getTrustManagers())
                                                        .build())
                                        .serverLive(ServerLiveRequest.getDefaultInstance()));
        assertThat(without.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        URI live = URI.create(server.endpoint() + "/v2/health/live");
        assertThat(https(live, true).statusCode()).isEqualTo(200);
        assertThat(catchThrowable(() -> https(live, false))).isInstanceOf(IOException.class);
    }

    private static HttpResponse<Void> https(URI uri, boolean withCertificate) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                withCertificate ? clientKeys().getKeyManagers() : null,
                trust().getTrustManagers(),
                null);
        HttpClient client =
                HttpClient.newBuilder()
                        .sslContext(context)
                        .connectTimeout(Duration.ofSeconds(10))
                        .build();
        return client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    @Test
    void gzipRequestsAreTakenAndAnsweredWithGzip() {
        TritonTestServer server = start(TritonTestServer.builder().grpc());
        AtomicReference<String> encoding = new AtomicReference<>();
        ManagedChannel channel = GrpcClients.plaintext(server);
        channels.add(channel);
        GRPCInferenceServiceBlockingStub stub =
                GRPCInferenceServiceGrpc.newBlockingStub(
                                ClientInterceptors.intercept(channel, responseEncoding(encoding)))
                        .withDeadlineAfter(20, TimeUnit.SECONDS);

        ModelInferResponse compressed =
                stub.withCompression("gzip").modelInfer(simpleRaw(2, 0, "").build());
        assertThat(encoding.get()).isEqualTo("gzip");
        assertThat(ints(compressed.getRawOutputContents(0))[31]).isEqualTo(32);

        stub.modelInfer(simpleRaw(1, 0, "").build());
        assertThat(encoding.get()).isNotEqualTo("gzip"); // a plain request: a plain answer
    }

    @Test
    void compressionCanBeRefusedOrNotOffered() {
        TritonTestServer refusing =
                start(TritonTestServer.builder().grpc().acceptCompressedRequests(false));
        StatusRuntimeException refused =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub(refusing, io.grpc.InsecureChannelCredentials.create())
                                        .withCompression("gzip")
                                        .modelInfer(simpleRaw(1, 0, "").build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);

        TritonTestServer plain = start(TritonTestServer.builder().grpc().compressResponses(false));
        AtomicReference<String> encoding = new AtomicReference<>();
        ManagedChannel channel = GrpcClients.plaintext(plain);
        channels.add(channel);
        GRPCInferenceServiceGrpc.newBlockingStub(
                        ClientInterceptors.intercept(channel, responseEncoding(encoding)))
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .withCompression("gzip")
                .modelInfer(simpleRaw(1, 0, "").build());
        assertThat(encoding.get()).isNotEqualTo("gzip");
    }

    @Test
    void aRequestOverMaxRequestSizeIsResourceExhausted() {
        // grpc-java logs a refused message as a warning: expected here.
        Logger deframer = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");
        Level level = deframer.getLevel();
        deframer.setLevel(Level.SEVERE);
        try {
            refuseOverMaxRequestSize();
        } finally {
            deframer.setLevel(level);
        }
    }

    private void refuseOverMaxRequestSize() {
        TritonTestServer server = start(TritonTestServer.builder().grpc().maxRequestSize(1024));
        StatusRuntimeException e =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub(server, io.grpc.InsecureChannelCredentials.create())
                                        .modelInfer(simpleRaw(8, 0, "").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(
                        stub(server, io.grpc.InsecureChannelCredentials.create())
                                .modelInfer(simpleRaw(1, 0, "").build())
                                .getOutputsCount())
                .isEqualTo(2);
    }

    @Test
    void theStreamAnswersEachRequestInOrder() throws Exception {
        TritonTestServer server = start(TritonTestServer.builder().grpc());
        ManagedChannel channel = GrpcClients.plaintext(server);
        channels.add(channel);
        List<ModelStreamInferResponse> responses = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ModelInferRequest> requests =
                GRPCInferenceServiceGrpc.newStub(channel)
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .modelStreamInfer(
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(ModelStreamInferResponse response) {
                                        responses.add(response);
                                    }

                                    @Override
                                    public void onError(Throwable t) {
                                        done.completeExceptionally(t);
                                    }

                                    @Override
                                    public void onCompleted() {
                                        done.complete(null);
                                    }
                                });
        requests.onNext(simpleRaw(1, 0, "a").build());
        requests.onNext(simpleRaw(9, 0, "b").build()); // over max_batch_size 8
        requests.onNext(simpleRaw(2, 0, "c").build());
        requests.onCompleted();
        done.get(20, TimeUnit.SECONDS);

        assertThat(responses)
                .extracting(r -> r.getInferResponse().getId())
                .containsExactly("a", "b", "c");
        assertThat(responses.get(0).getErrorMessage()).isEmpty();
        assertThat(responses.get(1).getErrorMessage())
                .isEqualTo(
                        "[request id: b] inference request batch-size must be <= 8 for 'simple',"
                                + " got 9 in input 'INPUT0'");
        assertThat(responses.get(2).getInferResponse().getOutputs(0).getShapeList())
                .containsExactly(2L, 16L);
        assertThat(server.stats().inferRequests("simple")).isEqualTo(3);
        assertThat(server.stats().responses(400)).isEqualTo(1);
    }

    @Test
    void theSameModelsOnBothFaces() {
        TritonTestServer server =
                start(
                        TritonTestServer.builder()
                                .grpc()
                                .model(TestModels.addSub("late", TritonDataType.FP32, 4, 4)));
        server.addModel(TestModels.identity("added", 2, TritonDataType.INT64, 1));
        assertThat(
                        stub(server, io.grpc.InsecureChannelCredentials.create())
                                .modelReady(
                                        org.flinktriton.grpc.internal.proto.ModelReadyRequest
                                                .newBuilder()
                                                .setName("added")
                                                .build())
                                .getReady())
                .isTrue();
        server.removeModel("late");
        StatusRuntimeException gone =
                catchThrowableOfType(
                        StatusRuntimeException.class,
                        () ->
                                stub(server, io.grpc.InsecureChannelCredentials.create())
                                        .modelMetadata(
                                                org.flinktriton.grpc.internal.proto
                                                        .ModelMetadataRequest.newBuilder()
                                                        .setName("late")
                                                        .build()));
        assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    /** Records the {@code grpc-encoding} of each response, null for none. */
    private static ClientInterceptor responseEncoding(AtomicReference<String> encoding) {
        Metadata.Key<String> key =
                Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(
                        next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(
                                new ForwardingClientCallListener.SimpleForwardingClientCallListener<
                                        R>(listener) {
                                    @Override
                                    public void onHeaders(Metadata responseHeaders) {
                                        encoding.set(responseHeaders.get(key));
                                        super.onHeaders(responseHeaders);
                                    }
                                },
                                headers);
                    }
                };
            }
        };
    }
}
