package org.flinktriton.testkit;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.URI;

/** grpc-java channels to a {@link TritonTestServer}'s gRPC face, for the tests. */
final class GrpcClients {
    private GrpcClients() {}

    /** A plaintext channel to {@code grpc://127.0.0.1:PORT}. */
    static ManagedChannel plaintext(TritonTestServer server) {
        URI target = URI.create(server.grpcEndpoint());
        return Grpc.newChannelBuilderForAddress(
                        target.getHost(), target.getPort(), InsecureChannelCredentials.create())
                .build();
    }
}
