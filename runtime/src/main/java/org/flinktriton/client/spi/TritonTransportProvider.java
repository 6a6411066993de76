package org.flinktriton.client.spi;

import java.util.Set;

/**
 * Makes transports for the endpoint schemes it serves. Registered for {@link
 * java.util.ServiceLoader} in {@code
 * META-INF/services/org.flinktriton.client.spi.TritonTransportProvider}; the client asks the
 * provider whose {@link #schemes} hold the endpoint's scheme, once per client.
 *
 * <pre>{@code
 * public final class GrpcTransportProvider implements TritonTransportProvider {
 *     public Set<String> schemes() { return Set.of("grpc", "grpcs"); }
 *     public TritonTransport open(TransportContext context) { return new GrpcTransport(context); }
 * }
 * }</pre>
 *
 * <p>Implementations need a public no-argument constructor and must be thread-safe.
 */
public interface TritonTransportProvider {
    /** The URL schemes served, in lower case, such as {@code grpc} and {@code grpcs}. */
    Set<String> schemes();

    /**
     * A transport for one client, ready for requests; it may share connections and threads with
     * other clients of the same server (see {@link TransportContext#share}).
     *
     * @throws org.flinktriton.TritonException when the context's settings cannot be used, naming
     *     the setting
     */
    TritonTransport open(TransportContext context);
}
