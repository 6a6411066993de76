package org.flinktriton.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import org.flinktriton.wire.EncodedBody;

/**
 * Starts every answer: JSON bodies (compressed when the client accepts it), empty ones and {@code
 * {"error": …}}. It also takes an infer request out of the in-flight count the moment its answer
 * starts.
 */
final class Replies {
    /** Whether the infer request that this thread handles still counts as in flight. */
    private final ThreadLocal<Boolean> inFlight = ThreadLocal.withInitial(() -> false);

    private final ServerStats stats;
    private final ObjectMapper mapper;
    private final ContentCoding coding;

    Replies(ServerStats stats, ObjectMapper mapper, ContentCoding coding) {
        this.stats = stats;
        this.mapper = mapper;
        this.coding = coding;
    }

    /** Counts an infer request for {@code model} as started and in flight on this thread. */
    void inferStarted(String model) {
        stats.inferStarted(model);
        inFlight.set(true);
    }

    /** Sends a JSON body with status 200. */
    void json(HttpExchange exchange, byte[] body) throws IOException {
        send(exchange, 200, body);
    }

    private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", EncodedBody.JSON);
        String encoding = coding.responseCoding(exchange.getRequestHeaders());
        if (encoding != null) {
            body = ContentCoding.compress(body, encoding);
            exchange.getResponseHeaders().set("Content-Encoding", encoding);
        }
        headers(exchange, status, body.length);
        exchange.getResponseBody().write(body);
    }

    void empty(HttpExchange exchange, int status) throws IOException {
        headers(exchange, status, -1);
    }

    /**
     * Every answer starts here. An infer request is counted as answered with {@code status}, and
     * leaves the in-flight count, first: once the headers are out the client may read the answer
     * and send its next request before this thread returns.
     */
    void headers(HttpExchange exchange, int status, long length) throws IOException {
        leaveFlight(status);
        exchange.sendResponseHeaders(status, length);
    }

    /** Takes this thread's infer request, if any, out of flight; -1 when no answer was sent. */
    void leaveFlight(int status) {
        if (inFlight.get()) {
            inFlight.set(false);
            stats.inferAnswering(status);
        }
    }

    /** Sends {@code {"error": message}}, unless the answer has begun. */
    void error(HttpExchange exchange, int status, String message) {
        if (exchange.getResponseCode() != -1) {
            return; // the answer has begun; closing the exchange is all that is left
        }
        try {
            ObjectNode error = mapper.createObjectNode();
            error.put("error", message);
            send(exchange, status, mapper.writeValueAsBytes(error));
        } catch (IOException e) {
            // the client went away
        }
    }
}
