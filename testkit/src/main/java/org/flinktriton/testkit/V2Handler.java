package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Routes every KServe v2 path of one {@link TritonTestServer} to its answer, and turns a failure
 * into {@code {"error": …}}. One instance serves all requests, from the server's worker threads; it
 * keeps no per-request state in fields.
 */
final class V2Handler implements HttpHandler {
    private final ModelRegistry registry;
    private final ServerStats stats;
    private final Replies replies;
    private final Documents documents;
    private final InferEndpoint infer;

    V2Handler(
            ModelRegistry registry,
            FaultEngine faults,
            ServerStats stats,
            long maxRequestSize,
            boolean compressResponses,
            boolean acceptCompressedRequests) {
        ObjectMapper mapper = new ObjectMapper();
        ContentCoding coding =
                new ContentCoding(maxRequestSize, compressResponses, acceptCompressedRequests);
        this.registry = registry;
        this.stats = stats;
        this.replies = new Replies(stats, mapper, coding);
        this.documents = new Documents(registry, mapper);
        this.infer =
                new InferEndpoint(
                        new ModelRunner(registry, faults, stats), mapper, coding, replies);
    }

    @Override
    public void handle(HttpExchange exchange) {
        boolean inferring = false;
        InferEndpoint.Outcome outcome = InferEndpoint.Outcome.ANSWERED;
        try {
            List<String> path = segments(exchange.getRequestURI().getRawPath());
            String method = exchange.getRequestMethod();
            if (isInferPath(path) && method.equals("POST")) {
                inferring = true;
                replies.inferStarted(path.get(2));
                stats.inferHeaders(headers(exchange.getRequestHeaders()));
                outcome = infer.infer(exchange, path.get(2), path.size() == 6 ? path.get(4) : null);
            } else {
                route(exchange, path, method);
            }
        } catch (HttpError e) {
            if (e.allow != null) {
                exchange.getResponseHeaders().set("Allow", e.allow);
            }
            if (e.retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", e.retryAfter);
            }
            replies.error(exchange, e.status, e.getMessage());
        } catch (InterruptedException e) {
            // The server is closing: leave without an answer.
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away; nothing to answer.
        } catch (RuntimeException | Error e) {
            replies.error(exchange, 500, "The test server failed: " + e);
        } finally {
            if (inferring) {
                replies.leaveFlight(-1); // when no answer was sent
                // Before close(), which is what the client sees of a drop, reset or truncation.
                if (outcome == InferEndpoint.Outcome.CUT_SHORT) {
                    stats.inferCutShort();
                } else if (outcome == InferEndpoint.Outcome.RESET) {
                    stats.inferReset();
                }
            }
            exchange.close();
        }
    }

    /** A request's headers by lower-case name, for {@link ServerStats#lastInferHeaders}. */
    private static Map<String, String> headers(Headers headers) {
        Map<String, String> byName = new HashMap<>();
        headers.forEach(
                (name, values) ->
                        byName.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        return byName;
    }

    private static boolean isInferPath(List<String> path) {
        int size = path.size();
        return size >= 4
                && path.get(0).equals("v2")
                && path.get(1).equals("models")
                && path.get(size - 1).equals("infer")
                && (size == 4 || (size == 6 && path.get(3).equals("versions")));
    }

    private void route(HttpExchange exchange, List<String> path, String method) throws IOException {
        String raw = exchange.getRequestURI().getRawPath();
        if (path.isEmpty() || !path.get(0).equals("v2")) {
            throw HttpError.notFound("Not Found: " + raw);
        }
        if (path.size() == 1) {
            requireMethod(method, "GET", raw);
            replies.json(exchange, documents.serverMetadata());
            return;
        }
        String section = path.get(1);
        if (section.equals("health") && path.size() == 3) {
            requireMethod(method, "GET", raw);
            if (path.get(2).equals("live")) {
                replies.empty(exchange, 200);
                return;
            }
            if (path.get(2).equals("ready")) {
                replies.empty(exchange, registry.isReady() ? 200 : 400);
                return;
            }
        }
        if (section.equals("repository") && path.size() == 3 && path.get(2).equals("index")) {
            requireMethod(method, "POST", raw);
            replies.json(exchange, documents.repositoryIndex());
            return;
        }
        if (section.equals("models") && path.size() >= 3) {
            modelRoute(exchange, path, method, raw);
            return;
        }
        throw HttpError.notFound("Not Found: " + raw);
    }

    private void modelRoute(HttpExchange exchange, List<String> path, String method, String raw)
            throws IOException {
        String name = path.get(2);
        List<String> rest = path.subList(3, path.size());
        String version = null;
        if (!rest.isEmpty() && rest.get(0).equals("versions")) {
            if (rest.size() < 2) {
                throw HttpError.notFound("Not Found: " + raw);
            }
            version = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        String action = rest.isEmpty() ? "" : rest.get(0);
        if (rest.size() > 1) {
            throw HttpError.notFound("Not Found: " + raw);
        }
        switch (action) {
            case "":
                requireMethod(method, "GET", raw);
                replies.json(exchange, documents.metadata(registry.resolve(name, version)));
                return;
            case "ready":
                requireMethod(method, "GET", raw);
                TestModel model = registry.resolve(name, version);
                replies.empty(
                        exchange,
                        registry.isReady() && registry.isModelReady(model.name()) ? 200 : 400);
                return;
            case "config":
                requireMethod(method, "GET", raw);
                TestModel configured = registry.resolve(name, version);
                if (!configured.hasConfigEndpoint()) {
                    throw HttpError.notFound("Not Found: " + raw);
                }
                replies.json(exchange, documents.config(configured));
                return;
            case "infer":
                requireMethod(method, "POST", raw);
                throw new IllegalStateException("infer is routed before " + raw);
            default:
                throw HttpError.notFound("Not Found: " + raw);
        }
    }

    private static void requireMethod(String method, String allowed, String raw) {
        if (!method.equals(allowed)) {
            throw HttpError.methodNotAllowed(method, raw, allowed);
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(URLDecoder.decode(segment.replace("+", "%2B"), UTF_8));
            }
        }
        return segments;
    }
}
