package org.flinktriton.testkit;

import java.util.List;
import org.flinktriton.wire.Tensor;

/**
 * The computation of a {@link TestModel}: decoded, already validated input tensors in, output
 * tensors out. The server calls it once per inference request, from several threads at once, so it
 * must be thread-safe (a pure function of the request is).
 *
 * <p>Each returned tensor carries its full shape, with the batch dimension first when the model has
 * {@code max_batch_size > 0}. The server checks the outputs against the model's declared outputs
 * and answers 500 when they do not match, so a broken handler shows up as a clear error in the
 * test. It returns only the outputs the request asked for (all of them when it asked for none); a
 * handler may skip the others ({@link ModelRequest#isRequested}).
 *
 * <pre>{@code
 * ModelHandler doubler = request -> {
 *     float[] x = request.input("X").toFloats();
 *     for (int i = 0; i < x.length; i++) {
 *         x[i] *= 2;
 *     }
 *     return List.of(Tensor.ofFloats("Y", TritonDataType.FP32, request.input("X").shape(), x));
 * };
 * }</pre>
 *
 * <p>An {@link IllegalArgumentException} thrown here is answered as Triton answers a model's
 * INVALID_ARG error, with status 400; any other exception with status 500. Both carry the
 * exception's message in {@code {"error": …}}.
 */
@FunctionalInterface
public interface ModelHandler {

    /**
     * Runs the model on one request.
     *
     * @param request the validated inputs and the batch size
     * @return the output tensors, each with its full shape
     * @throws Exception to fail the request (see the class documentation for the status)
     */
    List<Tensor> infer(ModelRequest request) throws Exception;
}
