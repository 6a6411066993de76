package org.flinktriton.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
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
import org.flinktriton.TritonServerException;
import org.flinktriton.client.spi.TransportCall;
import org.flinktriton.client.spi.TransportCallback;
import org.flinktriton.wire.EncodedBody;

/**
 * The HTTP exchanges of the client: builds requests with the client's headers, enqueues them on
 * {@link HttpResources}, reads bodies within their limit, and turns every outcome into a result or
 * a {@link TritonException} (by way of {@link HttpFailures}).
 */
final class HttpTransport {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The most of an error body that is read to find the server's message. */
    private static final int ERROR_BODY_LIMIT = 64 * 1024;

    /** Okio's segment size: how much one read of a body without a Content-Length asks for. */
    private static final long SEGMENT_BYTES = 8192;

    private static final MediaType JSON_TYPE = MediaType.get(EncodedBody.JSON);
    private static final MediaType OCTET_TYPE = MediaType.get(EncodedBody.OCTET_STREAM);

    private final ClientSettings settings;
    private final HttpResources resources;
    private final HttpFailures failures;
    private final Headers baseHeaders;

    HttpTransport(ClientSettings settings, HttpResources resources) {
        this.settings = settings;
        this.resources = resources;
        this.failures = new HttpFailures(settings, resources);
        this.baseHeaders = baseHeaders(settings);
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
        return new Request.Builder().url(url).headers(baseHeaders);
    }

    /** The headers of every request: the client's own, then {@code Accept-Encoding}. */
    private static Headers baseHeaders(ClientSettings settings) {
        Headers.Builder headers = new Headers.Builder();
        for (Map.Entry<String, String> header : settings.headers) {
            headers.add(header.getKey(), header.getValue());
        }
        if (!settings.acceptCompressedResponses) {
            // Without this OkHttp asks for gzip on every call, and Triton would spend its CPU
            // compressing tensors for a loopback or LAN hop.
            headers.set("Accept-Encoding", "identity");
        }
        return headers.build();
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

    /** Reads a response into a result; runs on a client thread, the body is closed after it. */
    interface ResponseHandler<R> {
        R handle(Response response) throws IOException;
    }

    /**
     * An exchange of {@code request}, not yet started: started on the calling thread or on one of
     * the client's threads; {@code done} gets the handler's result or a {@link TritonException}.
     *
     * @param what how messages name the request, such as {@code POST /v2/models/m/infer}
     */
    <R> TransportCall call(
            Request request, String what, ResponseHandler<R> handler, TransportCallback<R> done) {
        Call call = resources.newCall(request);
        return new TransportCall() {
            @Override
            public void start(boolean onCallingThread) {
                Runnable exchange =
                        resources.exchange(
                                call, watch -> exchange(call, what, handler, done, watch));
                if (onCallingThread) {
                    exchange.run();
                } else {
                    resources.submit(exchange);
                }
            }

            @Override
            public void cancel() {
                call.cancel();
            }
        };
    }

    /** Runs {@code call} on the current thread and reports its outcome to {@code done}. */
    private <R> void exchange(
            Call call,
            String what,
            ResponseHandler<R> handler,
            TransportCallback<R> done,
            CallDeadlines.Watch watch) {
        R result = null;
        TritonException error = null;
        Error fatal = null;
        Response response = null;
        try {
            response = call.execute();
            result = handler.handle(response);
        } catch (TritonException e) {
            error = e;
        } catch (IOException e) {
            boolean timedOut = watch != null && watch.expired();
            error =
                    response == null
                            ? failures.beforeResponse(e, what, timedOut)
                            : failures.whileReading(e, what, timedOut);
        } catch (RuntimeException | Error e) {
            if (FatalErrors.isFatal(e)) {
                fatal = (Error) e;
            }
            error = failures.handlerFailed(what, e);
        } finally {
            if (response != null) {
                response.close();
            }
        }
        // A fatal error travels as the failure's cause, which the operation that waits for it
        // completes with as itself (see Operation).
        done.done(result, error);
        if (fatal != null) {
            // On: to this thread's uncaught exception handler, as Flink's rethrowIfFatalError does.
            throw fatal;
        }
    }

    // ---- responses ---------------------------------------------------------------------------

    /**
     * Throws unless {@code response} is a success: a {@link TritonServerException} for a status of
     * 400 or above, a protocol failure for any other status outside 2xx.
     */
    void requireSuccess(Response response, String what) {
        int code = response.code();
        if (code >= 400) {
            throw serverError(response, what);
        }
        if (code < 200 || code >= 300) {
            throw failures.unexpectedStatus(what, code);
        }
    }

    /** The failure for a response with status 400 or above, with the server's error text. */
    private TritonServerException serverError(Response response, String what) {
        byte[] body;
        try {
            body = readBody(response, ERROR_BODY_LIMIT, what);
        } catch (IOException | TritonException e) {
            body = null;
        }
        return failures.status(response, what, body);
    }

    /**
     * Reads the whole body, refusing one over {@code limit} bytes: by its {@code Content-Length}
     * before reading, and by counting while reading a body sent without one (chunked).
     */
    byte[] readBody(Response response, long limit, String what) throws IOException {
        ResponseBody body = response.body();
        long declared = body.contentLength();
        if (declared > limit) {
            throw failures.tooLarge(what, "its Content-Length is " + declared + " bytes", limit);
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
                throw failures.tooLarge(what, "it has more than " + limit + " bytes", limit);
            }
        }
        return gathered.readByteArray();
    }
}
