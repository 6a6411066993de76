package org.flinktriton.testkit;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.flinktriton.wire.Tensor;

/**
 * The steps of an infer request that do not depend on how it arrived, shared by every face of a
 * {@link TritonTestServer} so that both protocols meet the same latency, fault decisions, poison
 * checks, model cost and counters: {@link #arrive()} before the request is parsed, {@link
 * #readyModel} to find the model, {@link #run} once the request is validated. Failures are {@link
 * HttpError}s in Triton's HTTP terms; the gRPC face maps them onto gRPC statuses.
 */
final class ModelRunner {
    private final ModelRegistry registry;
    private final FaultEngine faults;
    private final ServerStats stats;

    ModelRunner(ModelRegistry registry, FaultEngine faults, ServerStats stats) {
        this.registry = registry;
        this.faults = faults;
        this.stats = stats;
    }

    FaultEngine faults() {
        return faults;
    }

    ServerStats stats() {
        return stats;
    }

    /**
     * Lets the fixed latency pass, draws the request's fault decisions, lets a drawn latency spike
     * pass, and throws an injected failure.
     *
     * @return the decision, of kind NONE, DROP or RESET
     * @throws HttpError for an injected failure (counted)
     */
    FaultEngine.Before arrive() throws InterruptedException {
        long latency = faults.latency().toNanos();
        if (latency > 0) {
            sleepNanos(latency);
        }
        FaultEngine.Before before = faults.beforeInfer();
        if (before.spikeNanos > 0) {
            stats.latencySpike();
            sleepNanos(before.spikeNanos);
        }
        if (before.kind == FaultEngine.Before.Kind.FAIL) {
            stats.injectedFailure(before.status);
            throw HttpError.injected(before.status, before.error, before.retryAfter);
        }
        return before;
    }

    /**
     * The model a request names, ready for inference.
     *
     * @throws HttpError 404 (or 501) as {@link ModelRegistry#resolve}; 503 when it is not ready
     */
    TestModel readyModel(String name, String version) {
        TestModel model = registry.resolve(name, version);
        if (!registry.isModelReady(model.name())) {
            throw new HttpError(503, "Model '" + model.name() + "' is not ready");
        }
        return model;
    }

    /**
     * Refuses a batch with a poison record, lets the model's cost pass, runs its handler and checks
     * its outputs; counts the execution.
     *
     * @return the outputs the response carries, in requested order
     * @throws HttpError 400 for a poison batch or an {@link IllegalArgumentException} of the
     *     handler, 500 for another failure of the handler or outputs that break the declaration
     */
    List<Tensor> run(ModelRequest request) throws InterruptedException {
        TestModel model = request.model();
        if (model.isDecoupled()) {
            throw new HttpError(
                    501,
                    "Model '"
                            + model.name()
                            + "' is decoupled: unary inference does not support models with"
                            + " decoupled transaction policy; use gRPC ModelStreamInfer");
        }
        HttpError poisoned = faults.poisoned(request, stats);
        if (poisoned != null) {
            throw poisoned;
        }
        long cost =
                model.costPerRequest().toNanos()
                        + request.batchSize() * model.costPerRecord().toNanos();
        if (cost > 0) {
            sleepNanos(cost);
        }
        List<Tensor> produced;
        try {
            produced = model.handler().infer(request);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(
                    "Model '" + model.name() + "' rejected the request: " + e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new HttpError(500, "Model '" + model.name() + "' failed: " + e);
        }
        List<Tensor> outputs = RequestValidator.checkOutputs(request, produced);
        stats.executed(model.name(), request.batchSize());
        return outputs;
    }

    /**
     * Refuses a request with a poison record and lets the model's cost pass, before a decoupled
     * model's handler runs.
     *
     * @throws HttpError 400 for a poison record
     */
    void beforeDecoupled(ModelRequest request) throws InterruptedException {
        TestModel model = request.model();
        HttpError poisoned = faults.poisoned(request, stats);
        if (poisoned != null) {
            throw poisoned;
        }
        long cost =
                model.costPerRequest().toNanos()
                        + request.batchSize() * model.costPerRecord().toNanos();
        if (cost > 0) {
            sleepNanos(cost);
        }
    }

    /** Sleeps precisely, also below the scheduler's granularity; interruptible. */
    static void sleepNanos(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            if (left >= 2_000_000) {
                TimeUnit.NANOSECONDS.sleep(left);
            } else {
                LockSupport.parkNanos(left);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
