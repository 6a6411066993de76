package org.flinktriton.client.spi;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.ModelMetadata;
import org.flinktriton.wire.Tensor;

/**
 * One client's connection to a server over one protocol: the exchanges the client makes, each
 * created as a {@link TransportCall} that the client starts, and the client's share of the
 * connections and threads. Made by a {@link TritonTransportProvider}; thread-safe.
 *
 * <p>Failures reach the callback as {@link org.flinktriton.TritonException}s of the runtime's
 * family, mapped as HTTP's are: a server's refusal is a {@link
 * org.flinktriton.TritonServerException} with the HTTP-equivalent status (overload 503 and 429
 * retryable, a rejected record 400, an unknown model 404), a missed request deadline a {@link
 * org.flinktriton.TritonTimeoutException}, a connection that fails a {@link
 * org.flinktriton.TritonConnectionException}, an answer that breaks the protocol a {@link
 * org.flinktriton.TritonProtocolException}. Messages name the endpoint and the exchange (see {@link
 * #describe}), never credentials; the client adds the model.
 */
public interface TritonTransport {
    /** The exchanges, for {@link #describe}. */
    enum Exchange {
        SERVER_LIVE,
        SERVER_READY,
        MODEL_READY,
        MODEL_METADATA,
        MODEL_CONFIG,
        MODEL_INFER
    }

    /**
     * How messages name an exchange, such as {@code GET /v2/models/m/config} or {@code
     * ModelConfig}.
     */
    String describe(Exchange exchange);

    /** Whether the server is live; false for an answer that says it is not. */
    TransportCall serverLive(TransportCallback<Boolean> done);

    /** Whether the server is ready. */
    TransportCall serverReady(TransportCallback<Boolean> done);

    /** Whether the client's model (and version) is ready. */
    TransportCall modelReady(TransportCallback<Boolean> done);

    /** The model's metadata. */
    TransportCall modelMetadata(TransportCallback<ModelMetadata> done);

    /**
     * Triton's configuration of the model; a null result when the server has none to give (a server
     * other than Triton), which the client takes as "learn from the metadata".
     */
    TransportCall modelConfig(TransportCallback<ModelConfig> done);

    /**
     * One inference request.
     *
     * @param request the encoded request: its inputs in order, each one raw segment when binary
     *     (see {@link EncodedBody#inputs()}), and the header the HTTP protocol sends
     * @param what how messages name the request, such as {@code POST /v2/models/m/infer (8
     *     records)}: {@link #describe describe(MODEL_INFER)} and the record count
     * @param done gets the outputs the server answered, each a tensor (raw or from JSON data)
     */
    TransportCall infer(EncodedBody request, String what, TransportCallback<List<Tensor>> done);

    /**
     * Opens a bidirectional inference stream for a decoupled model, whose requests may each get
     * zero, one or many responses. The default refuses: HTTP has no such exchange.
     *
     * @throws org.flinktriton.TritonException when the transport has no streams, saying which
     *     endpoints do
     */
    default TransportStream openStream(TransportStreamListener listener) {
        throw new org.flinktriton.TritonException(
                "streaming inference (for decoupled models) needs gRPC's ModelStreamInfer, and"
                        + " this endpoint's protocol has only "
                        + describe(Exchange.MODEL_INFER)
                        + ": use a grpc:// or grpcs:// endpoint, with"
                        + " org.flinktriton:flink-triton-grpc on the classpath");
    }

    /**
     * Counts of the transport for the client's metrics and tests: {@code activeCalls}, {@code
     * connections}, {@code sharedUsers} (clients sharing the connections, this one included).
     */
    Map<String, Integer> stats();

    /** Whether the current thread is one of the transport's own (close must not wait there). */
    boolean onOwnThread();

    /**
     * The timer the client's retries wait on, which the transport owns (typically shared with the
     * other clients of its connections, and ended with them); the client never shuts it down.
     */
    ScheduledExecutorService timer();

    /** Cancels this client's exchanges still running; they fail as cancelled. */
    void cancelAll();

    /**
     * Lets go of this client's share of the connections, waiting up to {@code waitMillis} for its
     * exchanges to end; the last client of a connection closes it.
     */
    void close(long waitMillis);
}
