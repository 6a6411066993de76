package org.flinktriton.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.flinktriton.client.spi.TransportCallback;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.wire.ModelMetadata;

/**
 * The model's endpoints other than inference, over the client's transport: health, readiness,
 * metadata and Triton's configuration. The model information is fetched once and kept; a failed
 * fetch is not kept, so the next call tries again. Its requests are retried by the client's retry
 * policy, within one budget for metadata and configuration together, as an inference request is
 * (see {@link Resilience#fetch}): a model still loading when a task starts (503) or a server
 * restarting is waited for. A server without a configuration endpoint (not Triton) answers none,
 * and the model information comes from the metadata alone.
 */
final class ModelEndpoints {
    private final ClientSettings settings;
    private final TritonTransport transport;
    private final Resilience resilience;
    private final AtomicReference<CompletableFuture<TritonModelInfo>> info =
            new AtomicReference<>();

    ModelEndpoints(ClientSettings settings, TritonTransport transport, Resilience resilience) {
        this.settings = settings;
        this.transport = transport;
        this.resilience = resilience;
    }

    // ---- health ------------------------------------------------------------------------------

    void serverLive(Operation<Boolean> op) {
        Resilience.send(op, transport::serverLive, completing(op));
    }

    void serverReady(Operation<Boolean> op) {
        Resilience.send(op, transport::serverReady, completing(op));
    }

    void modelReady(Operation<Boolean> op) {
        Resilience.send(op, transport::modelReady, completing(op));
    }

    private static <T> TransportCallback<T> completing(Operation<T> op) {
        return (result, error) -> {
            if (error != null) {
                op.completeExceptionally(error);
            } else {
                op.complete(result);
            }
        };
    }

    // ---- model information -------------------------------------------------------------------

    /** The model information, fetched on first use; the returned future is shared. */
    CompletableFuture<TritonModelInfo> info() {
        while (true) {
            CompletableFuture<TritonModelInfo> current = info.get();
            if (current != null && !current.isCompletedExceptionally()) {
                return current;
            }
            CompletableFuture<TritonModelInfo> fresh = new CompletableFuture<>();
            if (info.compareAndSet(current, fresh)) {
                fetchMetadata(fresh, resilience.deadline());
                return fresh;
            }
        }
    }

    private void fetchMetadata(CompletableFuture<TritonModelInfo> result, long deadline) {
        resilience.fetch(
                deadline,
                transport::modelMetadata,
                transport.describe(TritonTransport.Exchange.MODEL_METADATA),
                (metadata, error, attempts) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else {
                        fetchConfig(result, metadata, deadline);
                    }
                });
    }

    private void fetchConfig(
            CompletableFuture<TritonModelInfo> result, ModelMetadata metadata, long deadline) {
        resilience.fetch(
                deadline,
                transport::modelConfig,
                transport.describe(TritonTransport.Exchange.MODEL_CONFIG),
                (config, error, attempts) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                        return;
                    }
                    try {
                        result.complete(TritonModelInfo.of(settings.model, metadata, config));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(e);
                    }
                });
    }
}
