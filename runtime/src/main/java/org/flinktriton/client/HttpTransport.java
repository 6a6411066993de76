package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSink;
import okio.BufferedSource;
import okio.GzipSource;
import okio.Okio;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.wire.EncodedBody;

/**
 * The HTTP half of the client: one OkHttp client with its own dispatcher (bounded by {@code
 * maxConcurrentRequests}; calls beyond it wait in the dispatcher's queue), its own daemon executor
 * and its own connection pool. Turns every transport outcome into a result or a {@link
 * TritonException} that names the model, and releases all of it on {@link #shutdown}.
 */
final class HttpTransport {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The most of an error body that is read to find the server's message. */
    private static final int ERROR_BODY_LIMIT = 64 * 1024;

    /** Okio's segment size: how much one read of a body without a Content-Length asks for. */
    private static final long SEGMENT_BYTES = 8192;

    /** The most of a non-JSON error body that goes into a message. */
    private static final int ERROR_TEXT_LIMIT = 300;

    private static final MediaType JSON_TYPE = MediaType.get(EncodedBody.JSON);
    private static final MediaType OCTET_TYPE = MediaType.get(EncodedBody.OCTET_STREAM);

    /** Marks this client's executor threads, so that {@link #shutdown} never waits for itself. */
    private final ThreadLocal<Boolean> ownThread = ThreadLocal.withInitial(() -> false);

    private final ClientSettings settings;
    private final ThreadPoolExecutor executor;
    private final OkHttpClient http;

    /** Set once the close deadline has passed: failures from then on are "client closed". */
    private volatile boolean cancelled;

    HttpTransport(ClientSettings settings) {
        this.settings = settings;
        this.executor =
                new ThreadPoolExecutor(
                        0,
                        Integer.MAX_VALUE,
                        60,
                        TimeUnit.SECONDS,
                        new SynchronousQueue<>(),
                        threadFactory("flink-triton " + settings.model + " #"));
        Dispatcher dispatcher = new Dispatcher(executor);
        dispatcher.setMaxRequests(settings.maxConcurrentRequests);
        dispatcher.setMaxRequestsPerHost(settings.maxConcurrentRequests);
        OkHttpClient.Builder builder =
                new OkHttpClient.Builder()
                        .dispatcher(dispatcher)
                        .connectionPool(
                                new ConnectionPool(
                                        settings.maxConcurrentRequests, 5, TimeUnit.MINUTES))
                        .socketFactory(new ClientSocketFactory())
                        .connectTimeout(settings.connectTimeout)
                        // One deadline for the whole call, body included; no per-read deadline
                        // that would fire first on a slow model.
                        .callTimeout(settings.requestTimeout)
                        .readTimeout(Duration.ZERO)
                        .writeTimeout(Duration.ZERO);
        if (settings.sslSocketFactory != null) {
            builder.sslSocketFactory(settings.sslSocketFactory, settings.trustManager);
        }
        if (settings.hostnameVerifier != null) {
            builder.hostnameVerifier(settings.hostnameVerifier);
        }
        this.http = builder.build();
    }

    private ThreadFactory threadFactory(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread =
                    new Thread(
                            () -> {
                                ownThread.set(true);
                                task.run();
                            },
                            prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    // ---- requests ----------------------------------------------------------------------------

    /** A GET of {@code url}. */
    Request get(HttpUrl url) {
        return base(url).get().build();
    }

    /** A POST of an encoded inference body, compressed when the client compresses requests. */
    Request post(HttpUrl url, EncodedBody body) throws IOException {
        Request.Builder request = base(url);
        if (body.hasBinary()) {
            request.header(EncodedBody.HEADER_LENGTH, Integer.toString(body.headerLength()));
        }
        MediaType type = body.hasBinary() ? OCTET_TYPE : JSON_TYPE;
        if (settings.compressRequests) {
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream((int) Math.min(1 << 20, body.length() / 2 + 64));
            try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024)) {
                body.writeTo(gzip);
            }
            request.header("Content-Encoding", "gzip");
            request.post(RequestBody.create(bytes.toByteArray(), type));
        } else {
            request.post(new EncodedRequestBody(body, type));
        }
        return request.build();
    }

    private Request.Builder base(HttpUrl url) {
        Request.Builder request = new Request.Builder().url(url);
        for (Map.Entry<String, String> header : settings.headers) {
            request.addHeader(header.getKey(), header.getValue());
        }
        if (!settings.acceptCompressedResponses) {
            // Without this OkHttp asks for gzip on every call, and Triton would spend its CPU
            // compressing tensors for a loopback or LAN hop.
            request.header("Accept-Encoding", "identity");
        }
        return request;
    }

    /** Sends an {@link EncodedBody} as it is: its buffers go to the socket without a copy. */
    private static final class EncodedRequestBody extends RequestBody {
        private final EncodedBody body;
        private final MediaType type;

        EncodedRequestBody(EncodedBody body, MediaType type) {
            this.body = body;
            this.type = type;
        }

        @Override
        public MediaType contentType() {
            return type;
        }

        @Override
        public long contentLength() {
            return body.length();
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            body.writeTo(sink.outputStream());
        }
    }

    // ---- calls -------------------------------------------------------------------------------

    /** Reads a response into a result; runs on an OkHttp thread, the body is closed after it. */
    interface ResponseHandler<R> {
        R handle(Response response) throws IOException;
    }

    /**
     * Enqueues {@code request}; {@code done} gets the handler's result or a {@link
     * TritonException}. With an {@code owner}, the call is cancelled when the owner completes, and
     * is not sent at all when it has completed already.
     *
     * @param what how messages name the request, such as {@code POST /v2/models/m/infer}
     */
    <R> void send(
            Operation<?> owner,
            Request request,
            String what,
            ResponseHandler<R> handler,
            BiConsumer<R, TritonException> done) {
        Call call = http.newCall(request);
        if (owner != null && !owner.attach(call)) {
            return;
        }
        call.enqueue(
                new Callback() {
                    @Override
                    public void onFailure(Call call, IOException e) {
                        if (owner != null) {
                            owner.detach(call);
                        }
                        done.accept(null, failure(e, what));
                    }

                    @Override
                    public void onResponse(Call call, Response response) {
                        R result = null;
                        TritonException error = null;
                        try {
                            result = handler.handle(response);
                        } catch (TritonException e) {
                            error = e;
                        } catch (IOException e) {
                            error = bodyFailure(e, what);
                        } catch (RuntimeException | Error e) {
                            error =
                                    new TritonException(
                                            settings.modelText
                                                    + ": handling the response to "
                                                    + what
                                                    + " failed: "
                                                    + e,
                                            e);
                        } finally {
                            response.close();
                        }
                        if (owner != null) {
                            owner.detach(call);
                        }
                        done.accept(result, error);
                    }
                });
    }

    /** A failure before a response arrived: refused, reset, timed out, or closed. */
    private TritonException failure(IOException e, String what) {
        if (cancelled
                || executor.isShutdown()
                || e.getCause() instanceof RejectedExecutionException) {
            return new TritonException(
                    settings.modelText
                            + ": client closed; "
                            + what
                            + " to "
                            + settings.endpointText
                            + " was cancelled",
                    e);
        }
        if (isConnectTimeout(e)) {
            return new TritonTimeoutException(
                    settings.modelText
                            + ": could not connect to "
                            + settings.endpointText
                            + " within connectTimeout "
                            + ClientSettings.format(settings.connectTimeout),
                    e);
        }
        if (e instanceof InterruptedIOException) {
            return new TritonTimeoutException(
                    settings.modelText
                            + ": "
                            + what
                            + " to "
                            + settings.endpointText
                            + " did not complete within requestTimeout "
                            + ClientSettings.format(settings.requestTimeout),
                    e);
        }
        if (e instanceof ConnectException
                || e instanceof NoRouteToHostException
                || e instanceof UnknownHostException) {
            return new TritonException(
                    settings.modelText
                            + ": cannot connect to "
                            + settings.endpointText
                            + " ("
                            + rootMessage(e)
                            + ")",
                    e);
        }
        if (e instanceof SSLException) {
            return new TritonException(
                    settings.modelText
                            + ": TLS with "
                            + settings.endpointText
                            + (hasCause(e, CertificateException.class::isInstance)
                                    ? " failed, the server's certificate was rejected ("
                                            + rootMessage(e)
                                            + "); to trust a private CA or a self-signed"
                                            + " certificate, configure the client's trustStore"
                                            + " or sslContext"
                                    : " failed (" + rootMessage(e) + ")"),
                    e);
        }
        return new TritonException(
                settings.modelText
                        + ": "
                        + what
                        + " to "
                        + settings.endpointText
                        + " failed: the connection broke ("
                        + e
                        + ")",
                e);
    }

    /** The innermost message: OkHttp wraps "Connection refused" in "Failed to connect to …". */
    private static String rootMessage(Throwable e) {
        String message = e.toString();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }

    /** Whether {@code e} or any of its causes matches. */
    private static boolean hasCause(Throwable e, Predicate<Throwable> matches) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (matches.test(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isConnectTimeout(IOException e) {
        return hasCause(
                e,
                t ->
                        t instanceof SocketTimeoutException
                                && t.getMessage() != null
                                && t.getMessage().toLowerCase(Locale.ROOT).contains("connect"));
    }

    /** A failure while reading a response body that had started to arrive. */
    private TritonException bodyFailure(IOException e, String what) {
        TritonException first = failure(e, what);
        if (first instanceof TritonTimeoutException || cancelled || executor.isShutdown()) {
            return first;
        }
        return new TritonProtocolException(
                settings.modelText
                        + ": the response to "
                        + what
                        + " from "
                        + settings.endpointText
                        + " broke off ("
                        + e
                        + ")",
                e);
    }

    // ---- responses ---------------------------------------------------------------------------

    /**
     * Reads the whole body, refusing one over {@code limit} bytes: by its {@code Content-Length}
     * before reading, and by counting while reading a body sent without one (chunked).
     */
    byte[] readBody(Response response, long limit, String what) throws IOException {
        ResponseBody body = response.body();
        long declared = body.contentLength();
        if (declared > limit) {
            throw tooLarge(what, "its Content-Length is " + declared + " bytes", limit);
        }
        BufferedSource source = body.source();
        if ("gzip".equalsIgnoreCase(response.header("Content-Encoding"))) {
            // The server compressed without being asked (OkHttp decompresses only what it asked
            // for): the Content-Length is the compressed size.
            source = Okio.buffer(new GzipSource(source));
        } else if (declared >= 0) {
            // One copy, into an array of the final size. A body that ends early throws.
            byte[] bytes = new byte[(int) declared];
            source.readFully(bytes);
            return bytes;
        }
        // Unknown length: gather OkHttp's segments without copying, then copy once.
        Buffer gathered = new Buffer();
        while (source.read(gathered, SEGMENT_BYTES) != -1) {
            if (gathered.size() > limit) {
                throw tooLarge(what, "it has more than " + limit + " bytes", limit);
            }
        }
        return gathered.readByteArray();
    }

    private TritonException tooLarge(String what, String detail, long limit) {
        return new TritonException(
                settings.modelText
                        + ": the response to "
                        + what
                        + " was refused: "
                        + detail
                        + ", over maxResponseBytes "
                        + limit
                        + "; raise maxResponseBytes or send smaller batches");
    }

    /**
     * The {@link TritonServerException} for a response with status 400 or above, with the server's
     * {@code error} text, or the body shortened when it is not the protocol's error object.
     */
    TritonServerException serverError(Response response, String what) {
        String error;
        try {
            byte[] body = readBody(response, ERROR_BODY_LIMIT, what);
            error = errorText(body);
        } catch (IOException | TritonException e) {
            error = "";
        }
        String reason = response.message();
        return new TritonServerException(
                settings.modelText
                        + ": "
                        + what
                        + " answered HTTP "
                        + response.code()
                        + (reason == null || reason.isEmpty() ? "" : " " + reason)
                        + (error.isEmpty() ? " with no error text" : ": " + error),
                response.code(),
                error);
    }

    private static String errorText(byte[] body) {
        if (body.length == 0) {
            return "";
        }
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.isObject()) {
                JsonNode error = json.get("error");
                if (error != null && error.isTextual()) {
                    return error.asText();
                }
                if (error != null && !error.isNull()) {
                    return error.toString();
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // Fall through: the body is not the protocol's error object.
        }
        String text = new String(body, UTF_8).strip().replaceAll("\\s+", " ");
        return text.length() > ERROR_TEXT_LIMIT
                ? text.substring(0, ERROR_TEXT_LIMIT - 3) + "..."
                : text;
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    int runningCalls() {
        return http.dispatcher().runningCallsCount() + http.dispatcher().queuedCallsCount();
    }

    int connectionCount() {
        return http.connectionPool().connectionCount();
    }

    ExecutorService executor() {
        return executor;
    }

    /** Whether the current thread is one of this client's OkHttp threads. */
    boolean onOwnThread() {
        return ownThread.get();
    }

    /** Cancels every call, queued or running. */
    void cancelAll() {
        cancelled = true;
        http.dispatcher().cancelAll();
    }

    /**
     * Stops the executor (waiting up to {@code waitMillis} for its threads to end), closes every
     * pooled connection and the cache, if any.
     */
    void shutdown(long waitMillis) {
        executor.shutdown();
        if (!onOwnThread()) {
            try {
                if (!executor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                    executor.shutdownNow();
                    executor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        http.connectionPool().evictAll();
        if (http.cache() != null) {
            try {
                http.cache().close();
            } catch (IOException ignored) {
                // Nothing to do: the cache is being thrown away.
            }
        }
    }
}
