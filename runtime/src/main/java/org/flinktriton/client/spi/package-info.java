/**
 * The transport SPI: how the client reaches a server over one protocol. This is a service provider
 * interface, not API for jobs: jobs choose a transport by the scheme of their endpoint ({@code
 * http://}, {@code https://}, {@code grpc://}, {@code grpcs://}) and never see these types.
 *
 * <p>The client finds a {@link org.flinktriton.client.spi.TritonTransportProvider} for a scheme
 * through {@link java.util.ServiceLoader} (HTTP is built in; gRPC comes with the artifact {@code
 * org.flinktriton:flink-triton-grpc}). Everything above a transport is the client's and the same
 * for every protocol: batching, the retry policy and its budget, the circuit breaker, adaptive
 * concurrency, bisection of rejected requests, deadlines of whole calls, metrics and the exception
 * family of {@code org.flinktriton}. A transport does one exchange at a time and reports its
 * outcome as a result or a {@link org.flinktriton.TritonException} whose {@code retryable()} and,
 * for a server's refusal, HTTP-equivalent {@code statusCode()} the client's rules read.
 *
 * <p>The SPI holds only JDK types and the runtime's own ({@code org.flinktriton.wire}'s documents
 * and tensors), so that a transport's libraries stay its own.
 */
package org.flinktriton.client.spi;
