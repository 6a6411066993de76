package org.flinktriton.testkit;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * The command line of {@link TritonTestServer#main}: {@code TritonTestServer [port]} serves the
 * {@linkplain TestModels#samples() sample models} until the process is stopped.
 */
final class TestServerCommand {
    private TestServerCommand() {}

    static void run(String[] args, PrintStream out) throws InterruptedException {
        if (args.length > 1 || (args.length == 1 && !args[0].matches("\\d{1,5}"))) {
            out.println("Usage: TritonTestServer [port]   (default 8000; 0 picks a free port)");
            return;
        }
        int port = args.length == 1 ? Integer.parseInt(args[0]) : 8000;
        TritonTestServer server =
                TritonTestServer.builder().models(TestModels.samples()).port(port).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "triton-test-server-stop"));
        out.println("Triton test server listening on " + server.endpoint());
        for (TestModel model : server.models()) {
            out.println("  " + model);
        }
        out.println("Try: curl " + server.endpoint() + "/v2/models/simple/config");
        new CountDownLatch(1).await();
    }
}
