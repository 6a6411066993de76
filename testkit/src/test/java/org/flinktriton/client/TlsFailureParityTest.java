package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS failures other than a rejected certificate, side by side over both transports: each is
 * classified alike (retryable or not) and worded alike, naming the endpoint.
 */
class TlsFailureParityTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static TritonException fail(String endpoint) {
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(endpoint)
                        .model("add_sub")
                        .requestTimeout(TIMEOUT)
                        .retry(RetryPolicy.none())
                        .build()) {
            Throwable thrown =
                    catchThrowable(
                            () ->
                                    client.infer(List.of(AddSubRequest.of(0)), AddSubResult.class)
                                            .orTimeout(TIMEOUT.toSeconds() + 5, SECONDS)
                                            .join());
            assertThat(thrown).isInstanceOf(CompletionException.class);
            assertThat(thrown.getCause()).isInstanceOf(TritonException.class);
            return (TritonException) thrown.getCause();
        }
    }

    /** Bytes that are not TLS come back: a plaintext endpoint, which retrying will not change. */
    private static void assertNotTlsAndNotRetried(TritonException e, String endpoint) {
        assertThat(e.getClass()).isEqualTo(TritonException.class);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage())
                .startsWith("Model 'add_sub': TLS with " + endpoint + " failed (")
                .doesNotContain("485454502f"); // no hex dump of the bytes
    }

    /**
     * The testkit's plaintext gRPC port reached with grpcs:// (its HTTP port does not answer a TLS
     * hello at all, so only gRPC here; {@link #plaintextBytesInAnswer} has both).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Transport.class, names = "GRPC")
    void aPlaintextServerReachedWithTls(Transport transport) {
        try (TritonTestServer plain =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .grpc()
                        .start()) {
            String endpoint =
                    transport
                            .endpoint(plain)
                            .replace("http://", "https://")
                            .replace("grpc://", "grpcs://");
            assertNotTlsAndNotRetried(fail(endpoint), endpoint);
        }
    }

    /** A plaintext HTTP server's answer to a TLS hello, as Triton's HTTP port gives it. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void plaintextBytesInAnswer(Transport transport) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answerer =
                    new Thread(
                            () -> {
                                while (!socket.isClosed()) {
                                    try (Socket s = socket.accept()) {
                                        s.getInputStream().read(new byte[512]);
                                        s.getOutputStream()
                                                .write(
                                                        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                                                .getBytes(
                                                                        java.nio.charset
                                                                                .StandardCharsets
                                                                                .US_ASCII));
                                        s.getOutputStream().flush();
                                        while (s.getInputStream().read(new byte[512]) >= 0) {
                                            // until the client lets go
                                        }
                                    } catch (IOException ended) {
                                        // closed
                                    }
                                }
                            });
            answerer.setDaemon(true);
            answerer.start();
            String endpoint =
                    (transport == Transport.GRPC ? "grpcs" : "https")
                            + "://127.0.0.1:"
                            + socket.getLocalPort();
            TritonException e = fail(endpoint);
            assertNotTlsAndNotRetried(e, endpoint);
        }
    }

    /** A server that closes every connection as it opens: the handshake is cut off. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aHandshakeCutOff(Transport transport) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread closer =
                    new Thread(
                            () -> {
                                while (!socket.isClosed()) {
                                    try (Socket s = socket.accept()) {
                                        s.getInputStream().read();
                                    } catch (IOException ended) {
                                        // closed
                                    }
                                }
                            });
            closer.setDaemon(true);
            closer.start();
            String endpoint =
                    (transport == Transport.GRPC ? "grpcs" : "https")
                            + "://127.0.0.1:"
                            + socket.getLocalPort();
            TritonException e = fail(endpoint);
            // Retried: a server cut off may take the next handshake.
            assertThat(e).isInstanceOf(TritonConnectionException.class);
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage())
                    .startsWith("Model 'add_sub': TLS with " + endpoint + " failed (");
        }
    }
}
