/**
 * Flink DataStream integration: the top of the runtime.
 *
 * <ul>
 *   <li>Public API for Triton: {@link org.flinktriton.flink.TritonInference} adds a batched
 *       inference step to a stream; {@link org.flinktriton.flink.TritonInferenceFunction} is the
 *       function behind it, for jobs that build the operator themselves.
 *   <li>Public API for any batched async call: {@link org.flinktriton.flink.AsyncBatchDataStream},
 *       {@link org.flinktriton.flink.AsyncBatchFunction}, {@link
 *       org.flinktriton.flink.RichAsyncBatchFunction} and {@link
 *       org.flinktriton.flink.AsyncBatchOptions}.
 *   <li>Internal: the operator, its factory and its timers are package-private.
 * </ul>
 *
 * <p>Flink is a {@code provided} dependency: jobs bring their own.
 */
package org.flinktriton.flink;
