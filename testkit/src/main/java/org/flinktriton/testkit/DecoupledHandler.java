package org.flinktriton.testkit;

/**
 * The computation of a decoupled {@link TestModel} ({@link TestModel.Builder#decoupled}), which
 * answers one request with zero, one or many responses, whenever it likes, as Triton's decoupled
 * models (the vLLM and TensorRT-LLM backends, streaming Python models) do. The server serves it
 * over gRPC's {@code ModelStreamInfer} only; the unary {@code ModelInfer} and HTTP's {@code
 * …/infer} refuse it, as Triton does.
 *
 * <p>The server calls it once per request, on a thread of its own, so requests of one stream run at
 * the same time and their responses interleave. It emits each response through the {@link
 * ResponseSink} and returns when the request is done; the server then sends the empty final
 * response when the client asked for one ({@code triton_enable_empty_final_response}). An exception
 * thrown here answers the request with an error response ({@code error_message}, the stream goes
 * on), after the responses it emitted before.
 *
 * <pre>{@code
 * DecoupledHandler countdown = (request, sink) -> {
 *     int n = request.input("N").toInt32s()[0];
 *     for (int i = n; i > 0; i--) {
 *         sink.send(List.of(
 *                 Tensor.ofInt32s("LEFT", TritonDataType.INT32, new long[] {1}, new int[] {i})));
 *         Thread.sleep(5);                                       // at its own pace
 *     }
 * };
 * }</pre>
 */
@FunctionalInterface
public interface DecoupledHandler {
    /**
     * Runs the model on one request.
     *
     * @param request the validated inputs (one record for a model with {@code max_batch_size} 0)
     * @param sink where the responses go, in order
     * @throws Exception to answer the request with an error response
     */
    void infer(ModelRequest request, ResponseSink sink) throws Exception;
}
