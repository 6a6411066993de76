package org.flinktriton.grpc;

import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonServerException;
import org.flinktriton.client.spi.TransportCall;
import org.flinktriton.client.spi.TransportCallback;
import org.flinktriton.client.spi.TransportContext;
import org.flinktriton.client.spi.TransportStream;
import org.flinktriton.client.spi.TransportStreamListener;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.InferParameter;
import org.flinktriton.grpc.internal.proto.ModelConfigRequest;
import org.flinktriton.grpc.internal.proto.ModelConfigResponse;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelMetadataRequest;
import org.flinktriton.grpc.internal.proto.ModelMetadataResponse;
import org.flinktriton.grpc.internal.proto.ModelReadyRequest;
import org.flinktriton.grpc.internal.proto.ModelReadyResponse;
import org.flinktriton.grpc.internal.proto.ServerLiveRequest;
import org.flinktriton.grpc.internal.proto.ServerLiveResponse;
import org.flinktriton.grpc.internal.proto.ServerReadyRequest;
import org.flinktriton.grpc.internal.proto.ServerReadyResponse;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.ModelMetadata;
import org.flinktriton.wire.Tensor;

/**
 * One client's gRPC transport: unary calls of {@code inference.GRPCInferenceService} on the channel
 * it shares with the other clients of the same server ({@link GrpcChannel}). Each call carries the
 * client's headers as metadata and the request timeout as its deadline, past which grpc-java
 * cancels it on the wire; requests are gzip-compressed when the client compresses. Tensors travel
 * raw, one {@code raw_input_contents} entry per input wrapping the encoder's buffer without a copy;
 * outputs are read from {@code raw_output_contents} or, from servers that answer that way, from
 * typed {@code contents} ({@link GrpcTensors}). Every call, a retry too, finds a connection as an
 * HTTP request does ({@link GrpcChannel#reconnectIfFailed}).
 */
final class GrpcTransport implements TritonTransport {
    private final TransportContext context;
    private final TransportContext.Shared<GrpcChannel> share;
    private final GrpcChannel shared;
    private final Channel channel;
    private final CallOptions options;
    private final long timeoutNanos;
    private final String modelVersion;
    private final Set<UnaryCall<?, ?, ?>> running = ConcurrentHashMap.newKeySet();

    GrpcTransport(TransportContext context) {
        this.context = context;
        this.share =
                context.share(
                        GrpcChannel.key(context),
                        () -> GrpcChannel.open(context),
                        GrpcChannel::close);
        this.shared = share.get();
        Metadata headers = new Metadata();
        for (Map.Entry<String, String> header : context.headers()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                share.close();
                throw new TritonException(
                        "header '"
                                + header.getKey()
                                + "' cannot travel as gRPC metadata: names ending in -bin carry"
                                + " binary values");
            }
            headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), header.getValue());
        }
        this.channel =
                ClientInterceptors.intercept(
                        shared.channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        CallOptions callOptions = CallOptions.DEFAULT;
        if (context.compressRequests()) {
            callOptions = callOptions.withCompression("gzip");
        }
        this.options = callOptions;
        this.timeoutNanos = context.requestTimeout().toNanos();
        this.modelVersion = context.modelVersion().orElse("");
    }

    @Override
    public String describe(Exchange exchange) {
        switch (exchange) {
            case SERVER_LIVE:
                return "ServerLive";
            case SERVER_READY:
                return "ServerReady";
            case MODEL_READY:
                return "ModelReady";
            case MODEL_METADATA:
                return "ModelMetadata";
            case MODEL_CONFIG:
                return "ModelConfig";
            case MODEL_INFER:
                return "ModelInfer";
            default:
                throw new IllegalArgumentException(exchange.toString());
        }
    }

    // ---- health ------------------------------------------------------------------------------

    @Override
    public TransportCall serverLive(TransportCallback<Boolean> done) {
        return new UnaryCall<>(
                GRPCInferenceServiceGrpc.getServerLiveMethod(),
                ServerLiveRequest.getDefaultInstance(),
                "ServerLive",
                ServerLiveResponse::getLive,
                GrpcTransport::answeredNo,
                done);
    }

    @Override
    public TransportCall serverReady(TransportCallback<Boolean> done) {
        return new UnaryCall<>(
                GRPCInferenceServiceGrpc.getServerReadyMethod(),
                ServerReadyRequest.getDefaultInstance(),
                "ServerReady",
                ServerReadyResponse::getReady,
                GrpcTransport::answeredNo,
                done);
    }

    @Override
    public TransportCall modelReady(TransportCallback<Boolean> done) {
        return new UnaryCall<>(
                GRPCInferenceServiceGrpc.getModelReadyMethod(),
                ModelReadyRequest.newBuilder()
                        .setName(context.model())
                        .setVersion(modelVersion)
                        .build(),
                "ModelReady",
                ModelReadyResponse::getReady,
                GrpcTransport::answeredNo,
                done);
    }

    /** A server that answers a health check with a status says "no"; a dead connection fails. */
    private static Boolean answeredNo(TritonException failure) {
        return failure instanceof TritonServerException ? Boolean.FALSE : null;
    }

    // ---- model information -------------------------------------------------------------------

    @Override
    public TransportCall modelMetadata(TransportCallback<ModelMetadata> done) {
        return new UnaryCall<>(
                GRPCInferenceServiceGrpc.getModelMetadataMethod(),
                ModelMetadataRequest.newBuilder()
                        .setName(context.model())
                        .setVersion(modelVersion)
                        .build(),
                "ModelMetadata",
                GrpcTransport::metadata,
                null,
                done);
    }

    private static ModelMetadata metadata(ModelMetadataResponse response) {
        return new ModelMetadata(
                response.getName().isEmpty() ? null : response.getName(),
                response.getVersionsList(),
                response.getPlatform().isEmpty() ? null : response.getPlatform(),
                GrpcTensors.metadata(response.getInputsList()),
                GrpcTensors.metadata(response.getOutputsList()));
    }

    @Override
    public TransportCall modelConfig(TransportCallback<ModelConfig> done) {
        return new UnaryCall<>(
                GRPCInferenceServiceGrpc.getModelConfigMethod(),
                ModelConfigRequest.newBuilder()
                        .setName(context.model())
                        .setVersion(modelVersion)
                        .build(),
                "ModelConfig",
                (ModelConfigResponse response) -> GrpcTensors.config(response.getConfig()),
                // Servers other than Triton (KServe's) have no ModelConfig: learn from metadata.
                failure ->
                        failure instanceof TritonServerException
                                        && ((TritonServerException) failure).statusCode() == 501
                                ? GrpcTensors.NO_CONFIG
                                : null,
                done);
    }

    // ---- inference ---------------------------------------------------------------------------

    @Override
    public TransportCall infer(
            EncodedBody body, String what, TransportCallback<List<Tensor>> done) {
        return new UnaryCall<>(
                GRPCInferenceServiceGrpc.getModelInferMethod(),
                request(body),
                what,
                GrpcTensors::outputs,
                null,
                done);
    }

    @Override
    public TransportStream openStream(TransportStreamListener listener) {
        shared.reconnectIfFailed();
        return new GrpcStream(channel, options, this::request, context, listener);
    }

    ModelInferRequest request(EncodedBody body) {
        List<EncodedBody.Input> inputs = body.inputs();
        if (inputs.isEmpty()) {
            throw new TritonException(
                    "the request has no inputs apart (it was not made by a RequestEncoder)");
        }
        ModelInferRequest.Builder request =
                ModelInferRequest.newBuilder()
                        .setModelName(context.model())
                        .setModelVersion(modelVersion);
        if (body.id() != null) {
            request.setId(body.id());
        }
        for (Map.Entry<String, ?> parameter : body.parameters().entrySet()) {
            request.putParameters(parameter.getKey(), parameter(parameter));
        }
        for (EncodedBody.Input input : inputs) {
            ModelInferRequest.InferInputTensor.Builder tensor =
                    ModelInferRequest.InferInputTensor.newBuilder()
                            .setName(input.name())
                            .setDatatype(input.datatype().name());
            for (long dim : input.shape()) {
                tensor.addShape(dim);
            }
            request.addInputs(tensor);
            // The encoder's buffer itself: the message is serialized before the buffer is reused.
            request.addRawInputContents(UnsafeByteOperations.unsafeWrap(input.data()));
        }
        for (String output : body.outputs()) {
            request.addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(output));
        }
        return request.build();
    }

    private static InferParameter parameter(Map.Entry<String, ?> parameter) {
        Object value = parameter.getValue();
        InferParameter.Builder out = InferParameter.newBuilder();
        if (value instanceof Boolean) {
            return out.setBoolParam((Boolean) value).build();
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return out.setInt64Param(((Number) value).longValue()).build();
        }
        if (value instanceof Double || value instanceof Float) {
            return out.setDoubleParam(((Number) value).doubleValue()).build();
        }
        if (value instanceof String) {
            return out.setStringParam((String) value).build();
        }
        throw new TritonException(
                "request parameter '"
                        + parameter.getKey()
                        + "' is a "
                        + (value == null ? "null" : value.getClass().getSimpleName())
                        + "; gRPC parameters are booleans, integers, floating point numbers or"
                        + " strings");
    }

    // ---- the client's share ------------------------------------------------------------------

    @Override
    public Map<String, Integer> stats() {
        ConnectivityState state = shared.channel.getState(false);
        return Map.of(
                "activeCalls", running.size(),
                "connections", state == ConnectivityState.READY ? 1 : 0,
                "sharedUsers", share.users());
    }

    @Override
    public boolean onOwnThread() {
        return GrpcChannel.isOwnThread();
    }

    @Override
    public ScheduledExecutorService timer() {
        return shared.timer;
    }

    @Override
    public void cancelAll() {
        for (UnaryCall<?, ?, ?> call : running) {
            call.cancel();
        }
    }

    @Override
    public void close(long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        synchronized (running) {
            while (!running.isEmpty() && !onOwnThread()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    running.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        cancelAll();
        share.close();
    }

    private void ended(UnaryCall<?, ?, ?> call) {
        if (running.remove(call)) {
            synchronized (running) {
                running.notifyAll();
            }
        }
    }

    /**
     * One unary call: made when started, cancelled on the wire by {@link #cancel} or its deadline.
     *
     * @param <Q> the request message
     * @param <A> the answer message
     * @param <R> the result the callback gets
     */
    private final class UnaryCall<Q, A, R> implements TransportCall, StreamObserver<A> {
        private final MethodDescriptor<Q, A> method;
        private final Q request;
        private final String what;
        private final Function<A, R> read;

        /** A result for a failure the exchange takes as an answer (null: it fails), or null. */
        private final Function<TritonException, R> answerOf;

        private final TransportCallback<R> done;
        private ClientCall<Q, A> call; // guarded by this
        private boolean cancelled; // guarded by this
        private A answer;

        UnaryCall(
                MethodDescriptor<Q, A> method,
                Q request,
                String what,
                Function<A, R> read,
                Function<TritonException, R> answerOf,
                TransportCallback<R> done) {
            this.method = method;
            this.request = request;
            this.what = what;
            this.read = read;
            this.answerOf = answerOf;
            this.done = done;
        }

        @Override
        public void start(boolean onCallingThread) {
            ClientCall<Q, A> started;
            synchronized (this) {
                if (cancelled || call != null) {
                    return;
                }
                CallOptions callOptions =
                        timeoutNanos == 0
                                ? options
                                : options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
                shared.reconnectIfFailed();
                started = channel.newCall(method, callOptions);
                call = started;
            }
            running.add(this);
            try {
                ClientCalls.asyncUnaryCall(started, request, this);
            } catch (RuntimeException e) {
                ended(this);
                report(null, new TritonException(what + " could not be sent: " + e, e));
            }
        }

        @Override
        public void cancel() {
            ClientCall<Q, A> started;
            synchronized (this) {
                cancelled = true;
                started = call;
            }
            if (started != null) {
                started.cancel("cancelled by the client", null);
            }
        }

        @Override
        public void onNext(A value) {
            answer = value;
        }

        @Override
        public void onError(Throwable t) {
            ended(this);
            TritonException failure =
                    GrpcFailures.of(
                            Status.fromThrowable(t),
                            Status.trailersFromThrowable(t),
                            what,
                            context,
                            request instanceof MessageLite
                                    ? ((MessageLite) request).getSerializedSize()
                                    : -1);
            R instead = answerOf == null ? null : answerOf.apply(failure);
            if (instead != null) {
                report(instead == GrpcTensors.NO_CONFIG ? null : instead, null);
            } else {
                report(null, failure);
            }
        }

        @Override
        public void onCompleted() {
            ended(this);
            R result;
            try {
                if (answer == null) {
                    throw new TritonProtocolException(
                            what
                                    + " at "
                                    + context.endpointText()
                                    + " completed without an answer");
                }
                result = read.apply(answer);
            } catch (TritonException e) {
                report(null, e);
                return;
            } catch (RuntimeException e) {
                report(
                        null,
                        new TritonException("handling the answer to " + what + " failed: " + e, e));
                return;
            }
            report(result, null);
        }

        private void report(R result, TritonException error) {
            done.done(result, error);
        }
    }
}
