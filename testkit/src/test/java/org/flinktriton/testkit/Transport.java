package org.flinktriton.testkit;

/**
 * The two protocols a {@link TritonTestServer} serves, for suites that run the same checks over
 * both: a JUnit 5 {@code @ParameterizedTest} with {@code @EnumSource(Transport.class)} picks the
 * endpoint the client is given, and nothing else changes. The server must be built with {@link
 * TritonTestServer.Builder#grpc()}.
 */
public enum Transport {
    /** KServe v2 REST: {@code http://} or, with TLS, {@code https://}. */
    HTTP,
    /** Triton's {@code GRPCInferenceService}: {@code grpc://} or, with TLS, {@code grpcs://}. */
    GRPC;

    /** The server's endpoint for this protocol. */
    public String endpoint(TritonTestServer server) {
        return this == GRPC ? server.grpcEndpoint() : server.endpoint();
    }
}
