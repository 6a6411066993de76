/**
 * The KServe v2 (Open Inference Protocol) wire format: request and response bodies, JSON or binary
 * tensors, FP16 and BF16 conversions. No sockets here, so all of it is tested without a server.
 *
 * <p>Not API for jobs: its public types serve the modules above it and may change between releases.
 * Every KServe v2 document is modelled here once, for both directions: {@link
 * org.flinktriton.wire.ModelMetadata} and {@link org.flinktriton.wire.ModelConfig} are parsed by
 * the client and written by the testkit. The client encodes and decodes through {@link
 * org.flinktriton.wire.RequestEncoder} and {@link org.flinktriton.wire.ResponseDecoder}; the
 * testkit's server parses requests with {@link org.flinktriton.wire.InferRequestMessage} and
 * answers with {@link org.flinktriton.wire.InferResponseMessage}; both sides pass bodies as {@link
 * org.flinktriton.wire.EncodedBody}. {@link org.flinktriton.wire.Tensor} is also what the testkit's
 * Java models take and return. The raw-layout readers and writers and the JSON parts are
 * package-private.
 *
 * <p>Depends on codec and the exceptions, never on client or flink ({@code ArchitectureTest}).
 */
package org.flinktriton.wire;
