package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of a {@code TritonTestServer} that answers the next infer requests
 * with a status and a {@code Retry-After} header (which the testkit's faults do not send yet), or
 * the next requests for a model's metadata with a status (as KServe's server answers 503 while a
 * model loads; the testkit's faults touch only infer requests), and forwards everything else
 * unchanged.
 */
final class ThrottlingProxy implements AutoCloseable {
    private static final Set<String> HOP_HEADERS =
            Set.of("connection", "content-length", "host", "transfer-encoding", "upgrade");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String target;
    private final AtomicInteger throttleNext = new AtomicInteger();
    private final AtomicInteger inferRequests = new AtomicInteger();
    private final AtomicInteger failMetadataNext = new AtomicInteger();
    private final AtomicInteger metadataRequests = new AtomicInteger();
    private volatile int metadataStatus = 503;
    private volatile String metadataError = "";
    private volatile int status = 429;
    private volatile String retryAfter = "1";

    ThrottlingProxy(String target) throws IOException {
        this.target = target;
        this.server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers the next {@code count} infer requests with {@code status} and {@code retryAfter}. */
    ThrottlingProxy throttleNext(int count, int status, String retryAfter) {
        this.status = status;
        this.retryAfter = retryAfter;
        throttleNext.set(count);
        return this;
    }

    /**
     * Answers the next {@code count} requests for a model's metadata ({@code GET /v2/models/m})
     * with {@code status} and {@code {"error": error}}.
     */
    ThrottlingProxy failMetadataNext(int count, int status, String error) {
        this.metadataStatus = status;
        this.metadataError = error;
        failMetadataNext.set(count);
        return this;
    }

    /** Metadata requests that reached the proxy, failed or not. */
    int metadataRequests() {
        return metadataRequests.get();
    }

    /** Infer requests that reached the proxy, throttled or not. */
    int inferRequests() {
        return inferRequests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String path = exchange.getRequestURI().toString();
            if (path.matches("/v2/models/[^/]+(/versions/[^/]+)?")) {
                metadataRequests.incrementAndGet();
                if (failMetadataNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    byte[] error = ("{\"error\":\"" + metadataError + "\"}").getBytes(UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(metadataStatus, error.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(error);
                    }
                    return;
                }
            }
            if (path.endsWith("/infer")) {
                inferRequests.incrementAndGet();
                if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    byte[] error = "{\"error\":\"slow down\"}".getBytes(UTF_8);
                    exchange.getResponseHeaders().add("Retry-After", retryAfter);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(status, error.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(error);
                    }
                    return;
                }
            }
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(target + path))
                            .method(
                                    exchange.getRequestMethod(),
                                    body.length == 0
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
                if (!HOP_HEADERS.contains(header.getKey().toLowerCase())) {
                    for (String value : header.getValue()) {
                        request.header(header.getKey(), value);
                    }
                }
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            response.headers()
                    .map()
                    .forEach(
                            (name, values) -> {
                                if (!HOP_HEADERS.contains(name.toLowerCase())
                                        && !name.startsWith(":")) {
                                    exchange.getResponseHeaders().put(name, values);
                                }
                            });
            byte[] answer = response.body();
            exchange.sendResponseHeaders(
                    response.statusCode(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
