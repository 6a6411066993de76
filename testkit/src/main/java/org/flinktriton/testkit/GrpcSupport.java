package org.flinktriton.testkit;

/**
 * Checks, without loading any of them, that the classes the gRPC face needs are on the class path,
 * so that a server asked for gRPC without them fails with a sentence instead of a {@link
 * NoClassDefFoundError}.
 */
final class GrpcSupport {
    private GrpcSupport() {}

    static void check() {
        for (String name :
                new String[] {
                    "org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc",
                    "io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder",
                    "io.grpc.stub.StreamObserver"
                }) {
            try {
                Class.forName(name, false, GrpcSupport.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException(
                        "TritonTestServer.builder().grpc() needs org.flinktriton:flink-triton-grpc"
                                + " (with grpc-java) on the class path; "
                                + name
                                + " is missing. Add it as a test dependency.",
                        e);
            }
        }
    }
}
