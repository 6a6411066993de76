package org.flinktriton.testkit;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.stream.LongStream;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.grpc.internal.proto.DataType;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.ModelConfig;
import org.flinktriton.grpc.internal.proto.ModelConfigRequest;
import org.flinktriton.grpc.internal.proto.ModelConfigResponse;
import org.flinktriton.grpc.internal.proto.ModelDynamicBatching;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelInput;
import org.flinktriton.grpc.internal.proto.ModelMetadataRequest;
import org.flinktriton.grpc.internal.proto.ModelMetadataResponse;
import org.flinktriton.grpc.internal.proto.ModelOutput;
import org.flinktriton.grpc.internal.proto.ModelReadyRequest;
import org.flinktriton.grpc.internal.proto.ModelReadyResponse;
import org.flinktriton.grpc.internal.proto.ModelStreamInferResponse;
import org.flinktriton.grpc.internal.proto.ModelTransactionPolicy;
import org.flinktriton.grpc.internal.proto.ServerLiveRequest;
import org.flinktriton.grpc.internal.proto.ServerLiveResponse;
import org.flinktriton.grpc.internal.proto.ServerMetadataRequest;
import org.flinktriton.grpc.internal.proto.ServerMetadataResponse;
import org.flinktriton.grpc.internal.proto.ServerReadyRequest;
import org.flinktriton.grpc.internal.proto.ServerReadyResponse;
import org.flinktriton.wire.Tensor;

/**
 * The gRPC face's answers: Triton's {@code inference.GRPCInferenceService} over the same models,
 * fault decisions and counters as the HTTP face ({@link ModelRunner}, {@link ModelRegistry}, {@link
 * ServerStats}), with HTTP statuses mapped by {@link GrpcStatuses}. One instance serves all calls,
 * from the listener's worker threads.
 *
 * <p>What differs from HTTP because the protocol differs: a dropped or reset request is answered
 * {@code UNAVAILABLE} (what a gRPC client sees when the connection under its call breaks; the
 * HTTP/2 connection is shared by every call of a client, so closing it would fail the other calls
 * too); a truncated answer carries half of each output's raw bytes and a malformed one declares its
 * outputs without their data, both responses a client must refuse; a request whose client cancels
 * it or whose deadline passes interrupts its handler and counts in {@link ServerStats#cancelled()}.
 */
final class GrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    /** Whether the call's request messages came gzip-compressed. */
    static final Context.Key<Boolean> COMPRESSED = Context.key("flink-triton-compressed");

    /** The call's metadata, for {@link ServerStats#lastInferHeaders}. */
    static final Context.Key<Metadata> HEADERS = Context.key("flink-triton-headers");

    private static final Metadata.Key<String> ENCODING =
            Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

    private final ModelRegistry registry;
    private final ModelRunner runner;
    private final ServerStats stats;
    private final FaultEngine faults;
    private final boolean compressResponses;

    GrpcService(ModelRegistry registry, ModelRunner runner, boolean compressResponses) {
        this.registry = registry;
        this.runner = runner;
        this.stats = runner.stats();
        this.faults = runner.faults();
        this.compressResponses = compressResponses;
    }

    /**
     * Puts whether the request is compressed into the call's context, for the answer's choice, and
     * the call's metadata, for the stats.
     */
    static ServerInterceptor compressionInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String encoding = headers.get(ENCODING);
                boolean compressed = encoding != null && !encoding.equals("identity");
                return Contexts.interceptCall(
                        Context.current()
                                .withValue(COMPRESSED, compressed)
                                .withValue(HEADERS, headers),
                        call,
                        headers,
                        next);
            }
        };
    }

    // ---- health, metadata, config ------------------------------------------------------------

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> answer) {
        reply(answer, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(
            ServerReadyRequest request, StreamObserver<ServerReadyResponse> answer) {
        reply(answer, ServerReadyResponse.newBuilder().setReady(registry.isReady()).build());
    }

    /** Ready when the server and the model are; false (not an error) for an unknown model. */
    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> answer) {
        boolean ready;
        try {
            TestModel model = registry.resolve(request.getName(), version(request.getVersion()));
            ready = registry.isReady() && registry.isModelReady(model.name());
        } catch (HttpError e) {
            ready = false;
        }
        reply(answer, ModelReadyResponse.newBuilder().setReady(ready).build());
    }

    @Override
    public void serverMetadata(
            ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> answer) {
        reply(
                answer,
                ServerMetadataResponse.newBuilder()
                        .setName("flink-triton-testkit")
                        .setVersion(TritonTestServer.VERSION)
                        .addExtensions("binary_tensor_data")
                        .addExtensions("model_configuration")
                        .build());
    }

    /** Shapes with the batch dimension as -1 when the model batches, as over HTTP. */
    @Override
    public void modelMetadata(
            ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> answer) {
        TestModel model;
        try {
            model = registry.resolve(request.getName(), version(request.getVersion()));
        } catch (HttpError e) {
            answer.onError(GrpcStatuses.of(e));
            return;
        }
        ModelMetadataResponse.Builder metadata =
                ModelMetadataResponse.newBuilder()
                        .setName(model.name())
                        .addVersions(model.version())
                        .setPlatform(model.platform());
        for (TensorSpec spec : model.inputs()) {
            metadata.addInputs(tensorMetadata(model, spec));
        }
        for (TensorSpec spec : model.outputs()) {
            metadata.addOutputs(tensorMetadata(model, spec));
        }
        reply(answer, metadata.build());
    }

    private static ModelMetadataResponse.TensorMetadata tensorMetadata(
            TestModel model, TensorSpec spec) {
        LongStream dims = Arrays.stream(spec.shape()).asLongStream();
        return ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(spec.name())
                .setDatatype(spec.datatype().name())
                .addAllShape(
                        () ->
                                (model.isBatched()
                                                ? LongStream.concat(LongStream.of(-1), dims)
                                                : dims)
                                        .iterator())
                .build();
    }

    /**
     * Triton's model configuration: {@code dims} without the batch dimension, {@code
     * dynamic_batching} when the model batches, decoupled when it is. {@code UNIMPLEMENTED} for a
     * model without {@link TestModel#hasConfigEndpoint()}, as KServe's server answers.
     */
    @Override
    public void modelConfig(
            ModelConfigRequest request, StreamObserver<ModelConfigResponse> answer) {
        TestModel model;
        try {
            model = registry.resolve(request.getName(), version(request.getVersion()));
        } catch (HttpError e) {
            answer.onError(GrpcStatuses.of(e));
            return;
        }
        if (!model.hasConfigEndpoint()) {
            answer.onError(
                    Status.UNIMPLEMENTED
                            .withDescription(
                                    "Method not found: inference.GRPCInferenceService/ModelConfig")
                            .asRuntimeException());
            return;
        }
        ModelConfig.Builder config =
                ModelConfig.newBuilder()
                        .setName(model.name())
                        .setPlatform(model.platform())
                        .setMaxBatchSize(model.maxBatchSize())
                        .setModelTransactionPolicy(
                                ModelTransactionPolicy.newBuilder()
                                        .setDecoupled(model.isDecoupled()));
        for (TensorSpec spec : model.inputs()) {
            config.addInput(
                    ModelInput.newBuilder()
                            .setName(spec.name())
                            .setDataType(dataType(spec))
                            .addAllDims(dims(spec)));
        }
        for (TensorSpec spec : model.outputs()) {
            config.addOutput(
                    ModelOutput.newBuilder()
                            .setName(spec.name())
                            .setDataType(dataType(spec))
                            .addAllDims(dims(spec)));
        }
        if (model.isBatched()) {
            config.setDynamicBatching(ModelDynamicBatching.getDefaultInstance());
        }
        reply(answer, ModelConfigResponse.newBuilder().setConfig(config).build());
    }

    private static DataType dataType(TensorSpec spec) {
        return DataType.valueOf(org.flinktriton.wire.ModelConfig.dataType(spec.datatype()));
    }

    private static List<Long> dims(TensorSpec spec) {
        List<Long> dims = new ArrayList<>(spec.rank());
        for (int dim : spec.shape()) {
            dims.add((long) dim);
        }
        return dims;
    }

    // ---- inference ----------------------------------------------------------------------------

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> answer) {
        ServerCallStreamObserver<ModelInferResponse> call =
                (ServerCallStreamObserver<ModelInferResponse>) answer;
        call.setOnCancelHandler(() -> {}); // answers after a cancellation are dropped silently
        if (compressResponses && Boolean.TRUE.equals(COMPRESSED.get())) {
            call.setCompression("gzip");
        }
        Outcome outcome = infer(request);
        if (outcome.response != null) {
            call.onNext(outcome.response);
            call.onCompleted();
        } else if (outcome.failure != null) {
            call.onError(outcome.failure);
        }
    }

    /**
     * Serves a model that is not decoupled over the stream: one response per request, in order,
     * with a failed request's error in {@code error_message} (the stream goes on), as Triton does.
     * A request of a {@linkplain TestModel#isDecoupled decoupled} model runs its handler on a
     * thread of its own, which sends zero or more responses ({@link DecoupledStream}).
     */
    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(
            StreamObserver<ModelStreamInferResponse> answer) {
        ServerCallStreamObserver<ModelStreamInferResponse> call =
                (ServerCallStreamObserver<ModelStreamInferResponse>) answer;
        DecoupledStream stream = new DecoupledStream(call, runner, stats);
        return new StreamObserver<>() {
            @Override
            public void onNext(ModelInferRequest request) {
                if (compressResponses && Boolean.TRUE.equals(COMPRESSED.get())) {
                    call.setCompression("gzip");
                }
                TestModel decoupled = decoupledModel(request);
                if (decoupled != null) {
                    stream.start(request, decoupled);
                    return;
                }
                Outcome outcome = infer(request);
                if (outcome.response != null) {
                    stream.writeNow(
                            ModelStreamInferResponse.newBuilder()
                                    .setInferResponse(outcome.response)
                                    .build());
                } else if (outcome.failure != null) {
                    stream.writeNow(
                            ModelStreamInferResponse.newBuilder()
                                    .setErrorMessage(outcome.failure.getStatus().getDescription())
                                    .setInferResponse(
                                            ModelInferResponse.newBuilder().setId(request.getId()))
                                    .build());
                }
            }

            @Override
            public void onError(Throwable t) {
                // the client ended the stream with an error: nothing to answer
            }

            @Override
            public void onCompleted() {
                stream.clientDone();
            }
        };
    }

    /** The request's model when it is decoupled and ready; null otherwise (answered as usual). */
    private TestModel decoupledModel(ModelInferRequest request) {
        try {
            TestModel model =
                    runner.readyModel(request.getModelName(), version(request.getModelVersion()));
            return model.isDecoupled() ? model : null;
        } catch (HttpError e) {
            return null;
        }
    }

    /** One infer request's answer: a response, a failure, or none (cancelled, server closing). */
    private static final class Outcome {
        static final Outcome NONE = new Outcome(null, null);

        final ModelInferResponse response;
        final io.grpc.StatusRuntimeException failure;

        Outcome(ModelInferResponse response, io.grpc.StatusRuntimeException failure) {
            this.response = response;
            this.failure = failure;
        }
    }

    /**
     * Runs one infer request through the steps the HTTP face takes, counting it the same way: its
     * answer counts under the HTTP status Triton's HTTP face would send.
     */
    private Outcome infer(ModelInferRequest request) {
        stats.inferStarted(request.getModelName());
        stats.inferHeaders(headers(HEADERS.get()));
        boolean counted = false;
        try (CancelWatch watch = new CancelWatch(Context.current())) {
            try {
                FaultEngine.Before before = runner.arrive();
                if (before.kind != FaultEngine.Before.Kind.NONE) {
                    stats.inferAnswering(-1);
                    counted = true;
                    if (before.kind == FaultEngine.Before.Kind.DROP) {
                        stats.inferCutShort();
                    } else {
                        stats.inferReset();
                    }
                    return new Outcome(
                            null,
                            Status.UNAVAILABLE
                                    .withDescription(
                                            before.kind == FaultEngine.Before.Kind.DROP
                                                    ? "The test server dropped the request"
                                                            + " (Faults.dropNext)"
                                                    : "The test server reset the request"
                                                            + " (Faults.resetRate)")
                                    .asRuntimeException());
                }
                TestModel model =
                        runner.readyModel(
                                request.getModelName(), version(request.getModelVersion()));
                List<String> outputs = new ArrayList<>(request.getOutputsCount());
                for (ModelInferRequest.InferRequestedOutputTensor output :
                        request.getOutputsList()) {
                    outputs.add(output.getName());
                }
                ModelRequest validated =
                        RequestValidator.validate(
                                model,
                                request.getId().isEmpty() ? null : request.getId(),
                                GrpcTensors.parameters(request.getParametersMap()),
                                GrpcTensors.inputs(request, model),
                                outputs,
                                (prefix, quotedModel) -> {});
                List<Tensor> produced = runner.run(validated);
                if (watch.cancelled()) {
                    throw new InterruptedException();
                }
                ModelInferResponse response =
                        response(model, request, produced, faults.afterInfer());
                stats.inferAnswering(200);
                counted = true;
                return new Outcome(response, null);
            } catch (HttpError e) {
                stats.inferAnswering(e.status);
                counted = true;
                return new Outcome(null, GrpcStatuses.of(e));
            } catch (InterruptedException e) {
                if (watch.cancelled()) {
                    stats.inferCancelled();
                }
                return Outcome.NONE; // cancelled, or the server is closing: no answer
            } catch (RuntimeException | Error e) {
                stats.inferAnswering(500);
                counted = true;
                return new Outcome(
                        null,
                        Status.INTERNAL
                                .withDescription("The test server failed: " + e)
                                .asRuntimeException());
            }
        } finally {
            if (!counted) {
                stats.inferAnswering(-1);
            }
        }
    }

    /**
     * The response, raw as Triton answers; typed {@code contents} instead when the model is
     * KServe-style (no config) and the request sent typed contents, as KServe answers.
     */
    private ModelInferResponse response(
            TestModel model,
            ModelInferRequest request,
            List<Tensor> outputs,
            FaultEngine.After after) {
        ModelInferResponse.Builder response =
                ModelInferResponse.newBuilder()
                        .setModelName(model.name())
                        .setModelVersion(model.version())
                        .setId(request.getId());
        boolean typed =
                !model.hasConfigEndpoint()
                        && request.getRawInputContentsCount() == 0
                        && after == FaultEngine.After.NONE
                        && outputs.stream()
                                .allMatch(t -> GrpcTensors.hasContentsField(t.datatype()));
        for (Tensor tensor : outputs) {
            ModelInferResponse.InferOutputTensor.Builder output = GrpcTensors.output(tensor);
            if (typed) {
                output.setContents(GrpcTensors.contents(tensor));
            } else if (after == FaultEngine.After.TRUNCATE) {
                response.addRawOutputContents(
                        GrpcTensors.raw(tensor).substring(0, tensor.byteLength() / 2));
            } else if (after == FaultEngine.After.NONE) {
                response.addRawOutputContents(GrpcTensors.raw(tensor));
            } // MALFORM: outputs declared, their data missing
            response.addOutputs(output);
        }
        if (after == FaultEngine.After.TRUNCATE) {
            stats.inferCutShort();
        }
        return response.build();
    }

    /** The text entries of a call's metadata; binary ({@code -bin}) entries are left out. */
    private static Map<String, String> headers(Metadata metadata) {
        Map<String, String> byName = new HashMap<>();
        if (metadata != null) {
            for (String name : metadata.keys()) {
                if (!name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    Iterable<String> values =
                            metadata.getAll(
                                    Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
                    if (values != null) {
                        byName.put(name, String.join(", ", values));
                    }
                }
            }
        }
        return byName;
    }

    private static String version(String version) {
        return version.isEmpty() ? null : version;
    }

    private static <T> void reply(StreamObserver<T> answer, T message) {
        answer.onNext(message);
        answer.onCompleted();
    }

    /**
     * Interrupts the handling thread when the call's context is cancelled (the client cancelled it,
     * or its deadline passed), so that latency and model cost end at once; never interrupts the
     * thread once closed.
     */
    private static final class CancelWatch implements Context.CancellationListener, AutoCloseable {
        private final Context context;
        private final Thread thread = Thread.currentThread();
        private boolean closed;
        private volatile boolean cancelled;

        CancelWatch(Context context) {
            this.context = context;
            context.addListener(this, DIRECT);
        }

        @Override
        public void cancelled(Context context) {
            cancelled = true;
            synchronized (this) {
                if (!closed) {
                    thread.interrupt();
                }
            }
        }

        boolean cancelled() {
            return cancelled || context.isCancelled();
        }

        @Override
        public void close() {
            synchronized (this) {
                closed = true;
            }
            context.removeListener(this);
            if (cancelled) {
                Thread.interrupted(); // ours: the thread serves the next call
            }
        }
    }

    private static final Executor DIRECT = Runnable::run;
}
