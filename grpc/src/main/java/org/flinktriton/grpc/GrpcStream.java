package org.flinktriton.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.List;
import java.util.function.Function;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;
import org.flinktriton.client.spi.TransportContext;
import org.flinktriton.client.spi.TransportStream;
import org.flinktriton.client.spi.TransportStreamListener;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.InferParameter;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelStreamInferResponse;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.Tensor;

/**
 * One {@code ModelStreamInfer} call: requests out with {@link ClientCall#sendMessage} while the
 * call {@link ClientCall#isReady is ready}, responses in only as many as the client {@linkplain
 * #request asked for} (grpc-java's manual inbound flow control: unrequested messages stay in the
 * transport, whose HTTP/2 window then stops the server). No deadline on the call itself: it lives
 * as long as the client; the client bounds each record's time instead.
 *
 * <p>A response with {@code error_message} fails its request only; its id is the {@code
 * infer_response}'s. A response's final flag is Triton's {@code triton_final_response} parameter.
 */
final class GrpcStream implements TransportStream {
    static final String FINAL_RESPONSE = "triton_final_response";

    private final ClientCall<ModelInferRequest, ModelStreamInferResponse> call;
    private final Function<EncodedBody, ModelInferRequest> requests;

    GrpcStream(
            Channel channel,
            CallOptions options,
            Function<EncodedBody, ModelInferRequest> requests,
            TransportContext context,
            TransportStreamListener listener) {
        this.requests = requests;
        this.call = channel.newCall(GRPCInferenceServiceGrpc.getModelStreamInferMethod(), options);
        call.start(new Events(listener, context), new Metadata());
    }

    @Override
    public void send(EncodedBody request) {
        call.sendMessage(requests.apply(request));
    }

    @Override
    public boolean isReady() {
        return call.isReady();
    }

    @Override
    public void request(int count) {
        call.request(count);
    }

    @Override
    public void cancel(String reason) {
        call.cancel(reason, null);
    }

    private static final class Events extends ClientCall.Listener<ModelStreamInferResponse> {
        private final TransportStreamListener listener;
        private final TransportContext context;

        Events(TransportStreamListener listener, TransportContext context) {
            this.listener = listener;
            this.context = context;
        }

        @Override
        public void onMessage(ModelStreamInferResponse message) {
            ModelInferResponse response = message.getInferResponse();
            String id = response.getId().isEmpty() ? null : response.getId();
            if (!message.getErrorMessage().isEmpty()) {
                String error = message.getErrorMessage();
                listener.onError(
                        id,
                        new TritonServerException(
                                "ModelStreamInfer at "
                                        + context.endpointText()
                                        + " answered request "
                                        + id
                                        + " with an error: "
                                        + error,
                                500,
                                error));
                return;
            }
            List<Tensor> outputs;
            try {
                outputs =
                        response.getOutputsCount() == 0 ? List.of() : GrpcTensors.outputs(response);
            } catch (TritonException e) {
                listener.onError(id, e);
                return;
            }
            InferParameter last = response.getParametersMap().get(FINAL_RESPONSE);
            listener.onResponse(id, outputs, last != null && last.getBoolParam());
        }

        @Override
        public void onReady() {
            listener.onReady();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            listener.onClosed(
                    status.isOk()
                            ? null
                            : GrpcFailures.of(status, trailers, "ModelStreamInfer", context, -1));
        }
    }
}
