package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's own HTTP/1.1 (plain {@code http://} endpoints) against a loopback server that
 * answers each request with bytes the test chooses: every way HTTP frames a body, interim answers,
 * connections the server closes, and bodies that break the protocol, each through {@link
 * TritonModelClient#modelInfo()}, whose metadata body must arrive whole.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFramingTest {
    private static final String METADATA =
            "{\"name\":\"m\",\"versions\":[\"1\"],\"platform\":\"test\","
                    + "\"inputs\":[{\"name\":\"IN\",\"datatype\":\"FP32\",\"shape\":[-1,4]}],"
                    + "\"outputs\":[{\"name\":\"OUT\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]}";

    /** A metadata answer with a Content-Length, the config path unknown (404). */
    private static final Function<String, byte[]> SIZED =
            metadata(sized("", METADATA.getBytes(UTF_8)));

    @Test
    void aSizedBodyKeepsTheConnection() throws Exception {
        try (ScriptedServer server = new ScriptedServer(SIZED)) {
            assertTwoModelInfos(server);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aChunkedBodyWithExtensionsAndTrailersKeepsTheConnection() throws Exception {
        byte[] body = METADATA.getBytes(UTF_8);
        int half = body.length / 2;
        String chunked =
                "HTTP/1.1 200 OK\r\ntransfer-ENCODING: chunked\r\n\r\n"
                        + Integer.toHexString(half)
                        + ";name=value\r\n"
                        + new String(body, 0, half, UTF_8)
                        + "\r\n"
                        + Integer.toHexString(body.length - half).toUpperCase()
                        + "\r\n"
                        + new String(body, half, body.length - half, UTF_8)
                        + "\r\n0\r\nX-Trailer: yes\r\n\r\n";
        try (ScriptedServer server = new ScriptedServer(metadata(chunked.getBytes(UTF_8)))) {
            assertTwoModelInfos(server);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aBodyThatEndsWithTheConnectionIsReadAndTheNextRequestConnectsAgain() throws Exception {
        try (ScriptedServer server =
                new ScriptedServer(
                        metadata(
                                ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + METADATA)
                                        .getBytes(UTF_8)))) {
            server.closeAfterEachAnswer = true;
            assertTwoModelInfos(server);
            assertThat(server.connections()).isEqualTo(4);
        }
    }

    @Test
    void anHttp10AnswerIsNotReused() throws Exception {
        try (ScriptedServer server =
                new ScriptedServer(
                        metadata(
                                ("HTTP/1.0 200 OK\r\nContent-Length: "
                                                + METADATA.length()
                                                + "\r\n\r\n"
                                                + METADATA)
                                        .getBytes(UTF_8)))) {
            assertTwoModelInfos(server);
            // Each metadata answer ends its connection; a 404 leaves its own for the next request.
            assertThat(server.connections()).isEqualTo(3);
        }
    }

    @Test
    void interimAnswersAreSkipped() throws Exception {
        try (ScriptedServer server =
                new ScriptedServer(
                        path ->
                                concat(
                                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                                                + "Link: </x>\r\n\r\n",
                                        SIZED.apply(path)))) {
            assertTwoModelInfos(server);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aGzipBodyTheClientDidNotAskForIsDecompressed() throws Exception {
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(METADATA.getBytes(UTF_8));
        }
        try (ScriptedServer server =
                new ScriptedServer(
                        metadata(sized("Content-Encoding: gzip\r\n", gzipped.toByteArray())))) {
            assertTwoModelInfos(server);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void anIdleConnectionTheServerClosedIsReplacedWithoutARetry() throws Exception {
        try (ScriptedServer server = new ScriptedServer(SIZED)) {
            // Keeps each connection alive by its headers, then closes it once idle, as servers
            // with a short keep-alive do.
            server.closeAfterEachAnswer = true;
            // Without retries: a request lost on a closed connection would fail.
            assertModelInfos(server, 3);
            assertThat(server.requests()).isEqualTo(6);
            assertThat(server.connections()).isEqualTo(6);
        }
    }

    @Test
    void aChunkSizeThatIsNotHexIsAProtocolError() throws Exception {
        try (ScriptedServer server =
                new ScriptedServer(
                        path ->
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
                                        .getBytes(UTF_8))) {
            TritonException e = modelInfoFailure(server);
            assertThat(e).isExactlyInstanceOf(TritonProtocolException.class);
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage())
                    .startsWith(
                            "Model 'm': the response to GET /v2/models/m from "
                                    + server.endpoint()
                                    + " could not be read (")
                    .contains("expected chunk size");
        }
    }

    @Test
    void aChunkedBodyCutShortIsABrokenConnection() throws Exception {
        try (ScriptedServer server =
                new ScriptedServer(
                        path ->
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{\"name\""
                                        .getBytes(UTF_8))) {
            server.closeAfterEachAnswer = true;
            TritonException e = modelInfoFailure(server);
            assertThat(e).isExactlyInstanceOf(TritonConnectionException.class);
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage())
                    .startsWith(
                            "Model 'm': the response to GET /v2/models/m from "
                                    + server.endpoint()
                                    + " broke off (");
        }
    }

    @Test
    void aHeadWithoutAnEndIsAProtocolError() throws Exception {
        try (ScriptedServer server =
                new ScriptedServer(
                        path -> ("HTTP/1.1 200 OK\r\nX: " + "y".repeat(300_000)).getBytes(UTF_8))) {
            TritonException e = modelInfoFailure(server);
            assertThat(e).isExactlyInstanceOf(TritonProtocolException.class);
            assertThat(e.getMessage())
                    .startsWith(
                            "Model 'm': GET /v2/models/m to "
                                    + server.endpoint()
                                    + " failed: the answer is not valid HTTP (");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static TritonModelClient client(ScriptedServer server) {
        return TritonModelClient.builder()
                .endpoint(server.endpoint())
                .model("m")
                .retry(RetryPolicy.none())
                .build();
    }

    /**
     * Model infos read whole by {@code count} clients in turn, all open until the end so that they
     * share one pool of connections (a client asks the server once, then keeps the answer).
     */
    private static void assertModelInfos(ScriptedServer server, int count) throws Exception {
        List<TritonModelClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                TritonModelClient client = client(server);
                clients.add(client);
                TritonModelInfo info = client.modelInfo().get(15, SECONDS);
                assertThat(info.name()).isEqualTo("m");
                assertThat(info.outputs()).hasSize(1);
                assertThat(info.hasConfig()).isFalse();
            }
        } finally {
            clients.forEach(TritonModelClient::close);
        }
    }

    private static void assertTwoModelInfos(ScriptedServer server) throws Exception {
        assertModelInfos(server, 2);
        assertThat(server.requests()).isEqualTo(4);
    }

    private static TritonException modelInfoFailure(ScriptedServer server) {
        try (TritonModelClient client = client(server)) {
            Throwable thrown =
                    catchThrowable(() -> client.modelInfo().orTimeout(15, SECONDS).join());
            assertThat(thrown).isInstanceOf(CompletionException.class);
            assertThat(thrown.getCause()).isInstanceOf(TritonException.class);
            return (TritonException) thrown.getCause();
        }
    }

    private static byte[] sized(String headers, byte[] body) {
        return concat(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + headers
                        + "content-length: "
                        + body.length
                        + "\r\n\r\n",
                body);
    }

    /** Answers metadata requests with {@code answer}, and the config path with a 404. */
    private static Function<String, byte[]> metadata(byte[] answer) {
        return path -> path.endsWith("/config") ? notFound() : answer;
    }

    private static byte[] notFound() {
        return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(UTF_8);
    }

    private static byte[] concat(String head, byte[] body) {
        byte[] all = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(ISO_8859_1), 0, all, 0, head.length());
        System.arraycopy(body, 0, all, head.length(), body.length);
        return all;
    }

    /**
     * A loopback server that reads each request's head (GETs have no body) and writes the bytes
     * {@code answer} gives for its path, keeping the connection unless told to close it after each
     * answer.
     */
    private static final class ScriptedServer implements AutoCloseable {
        private final ServerSocket listener;
        private final Function<String, byte[]> answer;
        private final AtomicInteger connections = new AtomicInteger();
        private final AtomicInteger requests = new AtomicInteger();
        volatile boolean closeAfterEachAnswer;

        ScriptedServer(Function<String, byte[]> answer) throws IOException {
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.answer = answer;
            Thread acceptor = new Thread(this::accept, "scripted server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String endpoint() {
            return "http://127.0.0.1:" + listener.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        int requests() {
            return requests.get();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    connections.incrementAndGet();
                    Thread serve = new Thread(() -> serve(socket), "scripted connection");
                    serve.setDaemon(true);
                    serve.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                String path;
                while ((path = readHead(in)) != null) {
                    requests.incrementAndGet();
                    out.write(answer.apply(path));
                    out.flush();
                    if (closeAfterEachAnswer) {
                        return;
                    }
                }
            } catch (IOException closed) {
                // the client closed the connection
            }
        }

        /** The request's path, after reading its head; null at the end of the connection. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) != -1) {
                head.append((char) b);
                if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                    String requestLine = head.substring(0, head.indexOf("\r\n"));
                    return requestLine.split(" ")[1];
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
