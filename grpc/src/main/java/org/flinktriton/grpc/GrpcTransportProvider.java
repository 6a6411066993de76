package org.flinktriton.grpc;

import java.util.Set;
import org.flinktriton.client.spi.TransportContext;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.client.spi.TritonTransportProvider;

/**
 * Serves {@code grpc://} (plaintext HTTP/2) and {@code grpcs://} (TLS) endpoints; found by the
 * runtime through {@link java.util.ServiceLoader}. Jobs never call it: they set an endpoint such as
 * {@code grpc://triton:8001} and keep the artifact {@code org.flinktriton:flink-triton-grpc} on
 * their class path.
 */
public final class GrpcTransportProvider implements TritonTransportProvider {
    /** For {@link java.util.ServiceLoader}. */
    public GrpcTransportProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("grpc", "grpcs");
    }

    @Override
    public TritonTransport open(TransportContext context) {
        return new GrpcTransport(context);
    }
}
