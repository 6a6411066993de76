package org.flinktriton.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import java.util.zip.ZipException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.InferRequestMessage;
import org.flinktriton.wire.InferResponseMessage;
import org.flinktriton.wire.Tensor;

/**
 * Answers every KServe v2 path of one {@link TritonTestServer}. One instance serves all requests,
 * from the server's worker threads; it keeps no per-request state in fields.
 */
final class V2Handler implements HttpHandler {
    private static final String JSON = EncodedBody.JSON;

    /** Whether the infer request that this thread handles still counts as in flight. */
    private final ThreadLocal<Boolean> inFlight = ThreadLocal.withInitial(() -> false);

    private final TritonTestServer server;
    private final ObjectMapper mapper;
    private final long maxRequestSize;
    private final boolean compressResponses;
    private final Documents documents;

    V2Handler(
            TritonTestServer server,
            ObjectMapper mapper,
            long maxRequestSize,
            boolean compressResponses) {
        this.server = server;
        this.mapper = mapper;
        this.maxRequestSize = maxRequestSize;
        this.compressResponses = compressResponses;
        this.documents = new Documents(server, mapper);
    }

    @Override
    public void handle(HttpExchange exchange) {
        boolean infer = false;
        boolean cutShort = false;
        try {
            List<String> path = segments(exchange.getRequestURI().getRawPath());
            String method = exchange.getRequestMethod();
            if (isInferPath(path) && method.equals("POST")) {
                infer = true;
                server.stats().inferStarted(path.get(2));
                inFlight.set(true);
                cutShort = infer(exchange, path);
            } else {
                route(exchange, path, method);
            }
        } catch (HttpError e) {
            if (e.allow != null) {
                exchange.getResponseHeaders().set("Allow", e.allow);
            }
            sendError(exchange, e.status, e.getMessage());
        } catch (InterruptedException e) {
            // The server is closing: leave without an answer.
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away; nothing to answer.
        } catch (RuntimeException | Error e) {
            sendError(exchange, 500, "The test server failed: " + e);
        } finally {
            if (infer) {
                leaveFlight(-1); // when no answer was sent
                if (cutShort) {
                    // Before close(), which is what the client sees of a drop or a truncation.
                    server.stats().inferCutShort();
                }
            }
            exchange.close();
        }
    }

    // ---- routing ------------------------------------------------------------------------------

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
            send(exchange, 200, documents.serverMetadata());
            return;
        }
        String section = path.get(1);
        if (section.equals("health") && path.size() == 3) {
            requireMethod(method, "GET", raw);
            if (path.get(2).equals("live")) {
                sendEmpty(exchange, 200);
                return;
            }
            if (path.get(2).equals("ready")) {
                sendEmpty(exchange, server.isReady() ? 200 : 400);
                return;
            }
        }
        if (section.equals("repository") && path.size() == 3 && path.get(2).equals("index")) {
            requireMethod(method, "POST", raw);
            send(exchange, 200, documents.repositoryIndex());
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
                send(exchange, 200, documents.metadata(resolve(name, version)));
                return;
            case "ready":
                requireMethod(method, "GET", raw);
                TestModel model = resolve(name, version);
                sendEmpty(
                        exchange,
                        server.isReady() && server.isModelReady(model.name()) ? 200 : 400);
                return;
            case "config":
                requireMethod(method, "GET", raw);
                TestModel configured = resolve(name, version);
                if (!configured.hasConfigEndpoint()) {
                    throw HttpError.notFound("Not Found: " + raw);
                }
                send(exchange, 200, documents.config(configured));
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

    private TestModel resolve(String name, String version) {
        TestModel model = server.model(name);
        if (model == null) {
            throw HttpError.notFound("Request for unknown model: '" + name + "' is not found");
        }
        if (version != null) {
            if (!model.hasVersionPaths()) {
                throw new HttpError(
                        501,
                        "Model versions in the URL path are not supported by this server"
                                + " (model '"
                                + name
                                + "', version "
                                + version
                                + ")");
            }
            if (!version.equals(model.version())) {
                throw HttpError.notFound(
                        "Request for unknown model: '"
                                + name
                                + "' version "
                                + version
                                + " is not found");
            }
        }
        return model;
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

    // ---- inference ----------------------------------------------------------------------------

    /** Returns whether the answer was cut short on purpose (dropped or truncated). */
    private boolean infer(HttpExchange exchange, List<String> path)
            throws IOException, InterruptedException {
        byte[] body = readBody(exchange);
        long latency = server.faults().latency().toNanos();
        if (latency > 0) {
            sleepNanos(latency);
        }
        Faults.Before before = server.faults().beforeInfer();
        if (before.drop) {
            return true; // handle() closes the exchange before any header: the socket just closes
        }
        if (before.fails()) {
            throw new HttpError(before.status, before.error);
        }
        TestModel model = resolve(path.get(2), path.size() == 6 ? path.get(4) : null);
        if (!server.isModelReady(model.name())) {
            throw new HttpError(503, "Model '" + model.name() + "' is not ready");
        }
        int headerLength = headerLength(exchange.getRequestHeaders());
        InferRequestMessage message;
        try {
            message = InferRequestMessage.parse(body, headerLength);
        } catch (TritonProtocolException e) {
            throw HttpError.badRequest(forModel(e.getMessage(), model));
        }
        ModelRequest request =
                RequestValidator.validate(model, message, body, headerLength, mapper);

        long cost =
                model.costPerRequest().toNanos()
                        + request.batchSize() * model.costPerRecord().toNanos();
        if (cost > 0) {
            sleepNanos(cost);
        }
        List<Tensor> produced;
        try {
            produced = model.handler().infer(request);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(
                    "Model '" + model.name() + "' rejected the request: " + e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new HttpError(500, "Model '" + model.name() + "' failed: " + e);
        }
        List<Tensor> outputs = RequestValidator.checkOutputs(request, produced);
        server.stats().executed(model.name(), request.batchSize());

        boolean[] binary = new boolean[outputs.size()];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = message.wantsBinary(outputs.get(i).name());
        }
        EncodedBody encoded =
                InferResponseMessage.encode(
                        model.name(), model.version(), message.id(), outputs, binary);
        return sendInferResponse(exchange, model, encoded);
    }

    private boolean sendInferResponse(HttpExchange exchange, TestModel model, EncodedBody encoded)
            throws IOException {
        Headers headers = exchange.getResponseHeaders();
        Faults.After after = server.faults().afterInfer();
        if (after == Faults.After.MALFORM) {
            byte[] broken =
                    ("{\"model_name\":\"" + model.name() + "\",\"outputs\":[{\"name\":")
                            .getBytes(UTF_8);
            headers.set("Content-Type", JSON);
            sendHeaders(exchange, 200, broken.length);
            exchange.getResponseBody().write(broken);
            return false;
        }
        int headerLength = encoded.headerLength();
        byte[] bytes = null;
        if (model.nullOptionalFields()) {
            bytes = withNulls(encoded);
            headerLength += bytes.length - (int) encoded.length();
        }
        boolean chunked = encoded.hasBinary() && model.chunkedBinaryResponses();
        if (encoded.hasBinary()) {
            headers.set(EncodedBody.HEADER_LENGTH, Integer.toString(headerLength));
        }
        if (!chunked) {
            headers.set("Content-Type", encoded.contentType());
        }
        String coding = responseCoding(exchange.getRequestHeaders());
        if (coding != null || after == Faults.After.TRUNCATE || bytes != null) {
            if (bytes == null) {
                bytes = encoded.toByteArray();
            }
            if (coding != null) {
                bytes = compress(bytes, coding);
                headers.set("Content-Encoding", coding);
            }
            if (after == Faults.After.TRUNCATE) {
                // Promise the whole body, send half, and let handle() close the connection.
                sendHeaders(exchange, 200, bytes.length);
                exchange.getResponseBody().write(bytes, 0, bytes.length / 2);
                exchange.getResponseBody().flush();
                return true;
            }
            sendHeaders(exchange, 200, chunked ? 0 : bytes.length);
            exchange.getResponseBody().write(bytes);
            return false;
        }
        sendHeaders(exchange, 200, chunked ? 0 : encoded.length());
        OutputStream out = exchange.getResponseBody();
        encoded.writeTo(out);
        return false;
    }

    /** The response with {@code null} for each optional field it leaves out. */
    private byte[] withNulls(EncodedBody encoded) throws IOException {
        byte[] all = encoded.toByteArray();
        ObjectNode header = (ObjectNode) mapper.readTree(all, 0, encoded.headerLength());
        if (!header.has("id")) {
            header.putNull("id");
        }
        header.putNull("parameters");
        for (JsonNode output : header.path("outputs")) {
            if (!output.has("parameters")) {
                ((ObjectNode) output).putNull("parameters");
            }
        }
        byte[] json = mapper.writeValueAsBytes(header);
        byte[] result = Arrays.copyOf(json, json.length + all.length - encoded.headerLength());
        System.arraycopy(
                all,
                encoded.headerLength(),
                result,
                json.length,
                all.length - encoded.headerLength());
        return result;
    }

    /** Puts the model into a parse error's opening words, so that every message names it. */
    private static String forModel(String message, TestModel model) {
        String opening = "Inference request";
        if (message.startsWith(opening)) {
            return opening
                    + " for model '"
                    + model.name()
                    + "'"
                    + message.substring(opening.length());
        }
        return "Inference request for model '" + model.name() + "': " + message;
    }

    private static int headerLength(Headers headers) {
        String value = headers.getFirst(EncodedBody.HEADER_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            int length = Integer.parseInt(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw HttpError.badRequest(
                EncodedBody.HEADER_LENGTH + " '" + value + "' is not a valid length in bytes");
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            if (left >= 2_000_000) {
                TimeUnit.NANOSECONDS.sleep(left);
            } else {
                LockSupport.parkNanos(left);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    // ---- request bodies -----------------------------------------------------------------------

    private byte[] readBody(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        String declared = headers.getFirst("Content-Length");
        byte[] raw;
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw HttpError.badRequest("Content-Length '" + declared + "' is not a number");
            }
            if (length > maxRequestSize) {
                throw tooLarge(length);
            }
            // The JDK server ends the stream at Content-Length: read straight into an array of
            // that size (readNBytes(int) would gather 8 KiB chunks and copy them again).
            raw = new byte[(int) length];
            int read = exchange.getRequestBody().readNBytes(raw, 0, raw.length);
            if (read < raw.length) {
                raw = Arrays.copyOf(raw, read);
            }
        } else {
            raw = readLimited(exchange.getRequestBody());
        }
        String coding = headers.getFirst("Content-Encoding");
        if (coding == null) {
            return raw;
        }
        switch (coding.trim().toLowerCase(Locale.ROOT)) {
            case "":
            case "identity":
                return raw;
            case "gzip":
            case "x-gzip":
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                    return readLimited(in);
                } catch (ZipException | EOFException e) {
                    throw HttpError.badRequest(
                            "Request body is not valid gzip data: " + e.getMessage());
                }
            case "deflate":
                return inflate(raw);
            default:
                throw HttpError.badRequest(
                        "Unsupported Content-Encoding '"
                                + coding
                                + "'; send gzip, deflate or identity");
        }
    }

    /** HTTP's "deflate" is zlib-wrapped, but some clients send raw deflate: accept both. */
    private byte[] inflate(byte[] raw) {
        try {
            return inflate(raw, false);
        } catch (DataFormatException e) {
            try {
                return inflate(raw, true);
            } catch (DataFormatException again) {
                throw HttpError.badRequest(
                        "Request body is not valid deflate data: " + e.getMessage());
            }
        }
    }

    private byte[] inflate(byte[] raw, boolean nowrap) throws DataFormatException {
        Inflater inflater = new Inflater(nowrap);
        try {
            inflater.setInput(raw);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length * 4));
            byte[] chunk = new byte[16384];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("the data ends before the deflate stream does");
                }
                out.write(chunk, 0, n);
                if (out.size() > maxRequestSize) {
                    throw tooLarge(-1);
                }
            }
            return out.toByteArray();
        } finally {
            inflater.end();
        }
    }

    private byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] chunk = new byte[16384];
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
            out.write(chunk, 0, n);
            if (out.size() > maxRequestSize) {
                throw tooLarge(-1);
            }
        }
        return out.toByteArray();
    }

    /** {@code length} is the declared length, or -1 when the body grew past the limit. */
    private HttpError tooLarge(long length) {
        return HttpError.badRequest(
                "Request body of "
                        + (length < 0 ? "more than " + maxRequestSize : length)
                        + " bytes exceeds this server's limit of "
                        + maxRequestSize
                        + " bytes (Triton's --http-max-input-size)");
    }

    // ---- responses ----------------------------------------------------------------------------

    /** The content coding to answer with, from {@code Accept-Encoding}; null for none. */
    private String responseCoding(Headers requestHeaders) {
        if (!compressResponses) {
            return null;
        }
        boolean gzip = false;
        boolean deflate = false;
        List<String> values = requestHeaders.get("Accept-Encoding");
        if (values == null) {
            return null;
        }
        for (String value : values) {
            for (String item : value.split(",")) {
                String[] parts = item.trim().split(";");
                String coding = parts[0].trim().toLowerCase(Locale.ROOT);
                boolean refused = false;
                for (int i = 1; i < parts.length; i++) {
                    String parameter = parts[i].trim().replace(" ", "");
                    refused |= parameter.matches("q=0(\\.0*)?");
                }
                if (!refused) {
                    gzip |= coding.equals("gzip") || coding.equals("x-gzip") || coding.equals("*");
                    deflate |= coding.equals("deflate");
                }
            }
        }
        return gzip ? "gzip" : deflate ? "deflate" : null;
    }

    private static byte[] compress(byte[] bytes, String coding) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
        if (coding.equals("gzip")) {
            try (GZIPOutputStream gzip =
                    new GZIPOutputStream(out, 8192) {
                        {
                            def.setLevel(Deflater.BEST_SPEED);
                        }
                    }) {
                gzip.write(bytes);
            }
        } else {
            Deflater deflater = new Deflater(Deflater.BEST_SPEED);
            try (DeflaterOutputStream zlib = new DeflaterOutputStream(out, deflater)) {
                zlib.write(bytes);
            } finally {
                deflater.end();
            }
        }
        return out.toByteArray();
    }

    private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", JSON);
        String coding = responseCoding(exchange.getRequestHeaders());
        if (coding != null) {
            body = compress(body, coding);
            exchange.getResponseHeaders().set("Content-Encoding", coding);
        }
        sendHeaders(exchange, status, body.length);
        exchange.getResponseBody().write(body);
    }

    private void sendEmpty(HttpExchange exchange, int status) throws IOException {
        sendHeaders(exchange, status, -1);
    }

    /**
     * Every answer starts here. An infer request is counted as answered with {@code status}, and
     * leaves the in-flight count, first: once the headers are out the client may read the answer
     * and send its next request before this thread returns.
     */
    private void sendHeaders(HttpExchange exchange, int status, long length) throws IOException {
        leaveFlight(status);
        exchange.sendResponseHeaders(status, length);
    }

    private void leaveFlight(int status) {
        if (inFlight.get()) {
            inFlight.set(false);
            server.stats().inferAnswering(status);
        }
    }

    private void sendError(HttpExchange exchange, int status, String message) {
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
