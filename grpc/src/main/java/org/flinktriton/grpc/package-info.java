/**
 * The gRPC transport of flink-triton: {@code grpc://host:8001} and {@code grpcs://host:8001}
 * endpoints speak Triton's (and the Open Inference Protocol's) {@code
 * inference.GRPCInferenceService} on grpc-java. Adding the artifact {@code
 * org.flinktriton:flink-triton-grpc} to a job is all it takes: the runtime finds {@link
 * org.flinktriton.grpc.GrpcTransportProvider} through {@link java.util.ServiceLoader}, and every
 * client setting keeps its meaning (see the README's "gRPC" section). Nothing here is API for jobs;
 * the generated protocol classes live in {@code org.flinktriton.grpc.internal.proto}.
 */
package org.flinktriton.grpc;
