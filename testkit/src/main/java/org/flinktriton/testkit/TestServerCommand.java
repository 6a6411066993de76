package org.flinktriton.testkit;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The command line of {@link TritonTestServer#main}: {@code TritonTestServer [port] [--grpc-port
 * PORT]} serves the {@linkplain TestModels#samples() sample models} over HTTP (and gRPC when asked)
 * until the process is stopped.
 */
final class TestServerCommand {
    static final String USAGE =
            "Usage: TritonTestServer [port] [--grpc-port PORT]   (HTTP port default 8000; gRPC only"
                    + " with --grpc-port, Triton's is 8001; 0 picks a free port)";

    private TestServerCommand() {}

    static void run(String[] args, PrintStream out) throws InterruptedException {
        TritonTestServer server = start(args, out);
        if (server == null) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "triton-test-server-stop"));
        new CountDownLatch(1).await();
    }

    /** Starts the server the arguments ask for and prints where it listens; null after usage. */
    static TritonTestServer start(String[] args, PrintStream out) {
        Integer port = null;
        Integer grpcPort = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--grpc-port") && i + 1 < args.length && isPort(args[i + 1])) {
                if (grpcPort != null) {
                    return usage(out);
                }
                grpcPort = Integer.parseInt(args[++i]);
            } else if (port == null && isPort(args[i])) {
                port = Integer.parseInt(args[i]);
            } else {
                return usage(out);
            }
        }
        TritonTestServer.Builder builder =
                TritonTestServer.builder()
                        .models(TestModels.samples())
                        .port(port == null ? 8000 : port);
        if (grpcPort != null) {
            builder.grpcPort(grpcPort);
        }
        TritonTestServer server = builder.start();
        out.println("Triton test server listening on " + server.endpoint());
        if (server.hasGrpc()) {
            out.println("  and on " + server.grpcEndpoint() + " (gRPC)");
        }
        for (TestModel model : server.models()) {
            out.println("  " + model);
        }
        out.println("Try: curl " + server.endpoint() + "/v2/models/simple/config");
        return server;
    }

    private static boolean isPort(String arg) {
        return arg.matches("\\d{1,5}") && Integer.parseInt(arg) <= 65535;
    }

    private static TritonTestServer usage(PrintStream out) {
        out.println(USAGE);
        return null;
    }
}
