package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.flinktriton.TritonConnectionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code connectTimeout} over gRPC bounds a connection attempt that gets no answer. The server is a
 * loopback socket that never accepts, its accept queue filled first: Linux then drops the next SYN,
 * so a connection attempt hangs as it does towards a host that is gone, until a timeout ends it.
 */
@Timeout(60)
class GrpcConnectTimeoutTest {
    private final List<Socket> fillers = new ArrayList<>();
    private ServerSocket silent;

    @AfterEach
    void close() throws IOException {
        for (Socket socket : fillers) {
            socket.close();
        }
        if (silent != null) {
            silent.close();
        }
    }

    /** A listening port whose accept queue is full; false when the system does not drop SYNs. */
    private boolean silentPort() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        silent = new ServerSocket(0, 1, loopback);
        for (int i = 0; i < 16; i++) {
            Socket socket = new Socket();
            fillers.add(socket);
            try {
                socket.connect(new InetSocketAddress(loopback, silent.getLocalPort()), 300);
            } catch (SocketTimeoutException full) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aConnectionThatGetsNoAnswerFailsAfterConnectTimeout() throws IOException {
        assumeThat(silentPort()).as("a full accept queue drops connection attempts").isTrue();
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint("grpc://127.0.0.1:" + silent.getLocalPort())
                        .model("m")
                        .connectTimeout(Duration.ofMillis(500))
                        .requestTimeout(Duration.ofSeconds(40)) // longer than Netty's own 30 s
                        .retry(RetryPolicy.none())
                        .build()) {
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> client.serverLive().join());
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            if (thrown instanceof CompletionException) {
                thrown = thrown.getCause();
            }
            assertThat(thrown)
                    .isInstanceOf(TritonConnectionException.class)
                    .hasMessageContaining("ServerLive at grpc://127.0.0.1:" + silent.getLocalPort())
                    .hasMessageContaining("failed to connect");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(450));
            assertThat(took).isLessThan(Duration.ofSeconds(15));
        }
    }
}
