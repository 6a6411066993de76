package org.flinktriton.testkit;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.flinktriton.grpc.internal.proto.InferParameter;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelStreamInferResponse;
import org.flinktriton.wire.Tensor;

/**
 * One {@code ModelStreamInfer} call's writer, and the runs of its decoupled requests: each request
 * of a {@linkplain TestModel#isDecoupled decoupled} model runs its {@link DecoupledHandler} on a
 * thread of its own, whose responses are written one at a time, each waiting while the client's
 * flow control holds the stream back ({@code isReady}). Requests of models that are not decoupled
 * are answered on the call's own thread through {@link #writeNow}, without waiting.
 *
 * <p>The stream completes when the client has half-closed it and every request has ended; it is
 * gone (every handler interrupted, nothing more written) when the client cancels it or {@link
 * Faults#resetStreamAfter} resets it.
 */
final class DecoupledStream {
    static final String ENABLE_FINAL = "triton_enable_empty_final_response";
    static final String FINAL = "triton_final_response";

    /** Handler threads for every stream; idle ones end after a second. */
    private static final ExecutorService HANDLERS =
            new ThreadPoolExecutor(
                    0,
                    Integer.MAX_VALUE,
                    1,
                    TimeUnit.SECONDS,
                    new SynchronousQueue<>(),
                    runnable -> {
                        Thread thread = new Thread(runnable, "testkit-decoupled-model");
                        thread.setDaemon(true);
                        return thread;
                    });

    private final ServerCallStreamObserver<ModelStreamInferResponse> call;
    private final ModelRunner runner;
    private final ServerStats stats;
    private final FaultEngine faults;
    private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger running = new AtomicInteger();
    private boolean gone; // guarded by this
    private boolean halfClosed; // guarded by this
    private boolean completed; // guarded by this

    DecoupledStream(
            ServerCallStreamObserver<ModelStreamInferResponse> call,
            ModelRunner runner,
            ServerStats stats) {
        this.call = call;
        this.runner = runner;
        this.stats = stats;
        this.faults = runner.faults();
        call.setOnReadyHandler(this::wake);
        call.setOnCancelHandler(() -> goneNow(null));
    }

    private synchronized void wake() {
        notifyAll();
    }

    /** Writes an answer of a model that is not decoupled, from the call's thread. */
    synchronized void writeNow(ModelStreamInferResponse response) {
        if (!gone) {
            call.onNext(response);
        }
    }

    /** Writes one response, waiting while the client holds the stream back. */
    private synchronized void write(ModelStreamInferResponse response) throws InterruptedException {
        while (!gone && !call.isReady()) {
            wait();
        }
        if (gone) {
            throw new InterruptedException("the stream is gone");
        }
        call.onNext(response);
    }

    /** The stream ends now: reset with {@code status}, or cancelled by the client (null). */
    private void goneNow(Status status) {
        synchronized (this) {
            if (gone) {
                return;
            }
            gone = true;
            notifyAll();
            if (status != null && !completed) {
                completed = true;
                call.onError(status.asRuntimeException());
            }
        }
        for (Thread thread : handlers) {
            thread.interrupt();
        }
    }

    /** The client half-closed the stream: complete it once every request has ended. */
    void clientDone() {
        synchronized (this) {
            halfClosed = true;
        }
        maybeComplete();
    }

    private void maybeComplete() {
        synchronized (this) {
            if (!halfClosed || running.get() > 0 || completed || gone) {
                return;
            }
            completed = true;
            call.onCompleted();
        }
    }

    /** Runs a request of the decoupled {@code model} on a handler thread. */
    void start(ModelInferRequest request, TestModel model) {
        running.incrementAndGet();
        Context context = Context.current();
        HANDLERS.execute(
                context.wrap(
                        () -> {
                            Thread self = Thread.currentThread();
                            handlers.add(self);
                            try {
                                run(request, model);
                            } finally {
                                handlers.remove(self);
                                Thread.interrupted(); // ours: the thread serves the next request
                                running.decrementAndGet();
                                maybeComplete();
                            }
                        }));
    }

    private void run(ModelInferRequest request, TestModel model) {
        stats.inferStarted(request.getModelName());
        int status = -1;
        try {
            FaultEngine.Before before = runner.arrive();
            if (before.kind != FaultEngine.Before.Kind.NONE) {
                stats.inferReset();
                goneNow(
                        Status.UNAVAILABLE.withDescription(
                                "The test server reset the stream (Faults.dropNext/resetRate)"));
                return;
            }
            List<String> outputs = new ArrayList<>(request.getOutputsCount());
            for (ModelInferRequest.InferRequestedOutputTensor output : request.getOutputsList()) {
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
            runner.beforeDecoupled(validated);
            boolean explicitEnd =
                    request.getParametersMap().containsKey(ENABLE_FINAL)
                            && request.getParametersMap().get(ENABLE_FINAL).getBoolParam();
            Sink sink = new Sink(model, request, validated);
            try {
                model.decoupledHandler().infer(validated, sink);
            } catch (InterruptedException | HttpError e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest(
                        "Model '" + model.name() + "' rejected the request: " + e.getMessage());
            } catch (Exception e) {
                throw new HttpError(500, "Model '" + model.name() + "' failed: " + e);
            }
            if (explicitEnd) {
                write(response(model, request, List.of(), true));
            }
            stats.executed(model.name(), validated.batchSize());
            status = 200;
        } catch (HttpError e) {
            status = e.status;
            try {
                writeError(request, GrpcStatuses.of(e).getStatus().getDescription());
            } catch (InterruptedException gone) {
                status = -1;
            }
        } catch (InterruptedException e) {
            status = -1; // the stream is gone: nothing to answer
        } catch (RuntimeException | Error e) {
            status = 500;
            try {
                writeError(request, "The test server failed: " + e);
            } catch (InterruptedException gone) {
                status = -1;
            }
        } finally {
            stats.inferAnswering(status);
        }
    }

    private void writeError(ModelInferRequest request, String message) throws InterruptedException {
        write(
                ModelStreamInferResponse.newBuilder()
                        .setErrorMessage(message)
                        .setInferResponse(ModelInferResponse.newBuilder().setId(request.getId()))
                        .build());
    }

    private static ModelStreamInferResponse response(
            TestModel model, ModelInferRequest request, List<Tensor> outputs, boolean last) {
        ModelInferResponse.Builder response =
                ModelInferResponse.newBuilder()
                        .setModelName(model.name())
                        .setModelVersion(model.version())
                        .setId(request.getId())
                        .putParameters(
                                FINAL, InferParameter.newBuilder().setBoolParam(last).build());
        for (Tensor tensor : outputs) {
            response.addOutputs(GrpcTensors.output(tensor));
            response.addRawOutputContents(GrpcTensors.raw(tensor));
        }
        return ModelStreamInferResponse.newBuilder().setInferResponse(response).build();
    }

    /** The sink of one request. */
    private final class Sink implements ResponseSink {
        private final TestModel model;
        private final ModelInferRequest request;
        private final ModelRequest validated;
        private int sent;

        Sink(TestModel model, ModelInferRequest request, ModelRequest validated) {
            this.model = model;
            this.request = request;
            this.validated = validated;
        }

        @Override
        public void send(List<Tensor> outputs) throws InterruptedException {
            List<Tensor> checked;
            try {
                checked = RequestValidator.checkOutputs(validated, outputs);
            } catch (HttpError e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            long delay = faults.streamResponseDelay().toNanos();
            if (delay > 0) {
                ModelRunner.sleepNanos(delay);
            }
            write(response(model, request, checked, false));
            sent++;
            stats.streamResponse();
            if (faults.streamResponseSent()) {
                stats.streamReset();
                goneNow(
                        Status.UNAVAILABLE.withDescription(
                                "The test server reset the stream after "
                                        + "a response (Faults.resetStreamAfter)"));
                throw new InterruptedException("the stream was reset");
            }
        }

        @Override
        public int sent() {
            return sent;
        }

        @Override
        public String toString() {
            return "ResponseSink{" + model.name() + ", request " + request.getId() + "}";
        }
    }
}
