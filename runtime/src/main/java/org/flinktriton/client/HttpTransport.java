package org.flinktriton.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import okhttp3.HttpUrl;
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

    /** How much one read of a body without a Content-Length asks for. */
    private static final int READ_CHUNK_BYTES = 16 * 1024;

    private final ClientSettings settings;
    private final HttpResources resources;
    private final HttpFailures failures;

    HttpTransport(ClientSettings settings, HttpResources resources) {
        this.settings = settings;
        this.resources = resources;
        this.failures = new HttpFailures(settings, resources);
    }

    // ---- requests ----------------------------------------------------------------------------

    /** A GET of {@code url}. */
    OutgoingRequest get(HttpUrl url) {
        return OutgoingRequest.get(url);
    }

    /** A POST of an encoded inference body, compressed when the client compresses requests. */
    OutgoingRequest post(HttpUrl url, EncodedBody body) throws IOException {
        if (!settings.compressRequests) {
            return OutgoingRequest.post(url, body, null);
        }
        ByteArrayOutputStream bytes =
                new ByteArrayOutputStream((int) Math.min(1 << 20, body.length() / 2 + 64));
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024)) {
            body.writeTo(gzip);
        }
        return OutgoingRequest.post(url, body, bytes.toByteArray());
    }

    // ---- calls -------------------------------------------------------------------------------

    /** Reads a response into a result; runs on a client thread, the body is closed after it. */
    interface ResponseHandler<R> {
        R handle(HttpReply response) throws IOException;
    }

    /**
     * An exchange of {@code request}, not yet started: started on the calling thread or on one of
     * the client's threads; {@code done} gets the handler's result or a {@link TritonException}.
     *
     * @param what how messages name the request, such as {@code POST /v2/models/m/infer}
     */
    <R> TransportCall call(
            OutgoingRequest request,
            String what,
            ResponseHandler<R> handler,
            TransportCallback<R> done) {
        HttpCall call = resources.newCall(request);
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
            HttpCall call,
            String what,
            ResponseHandler<R> handler,
            TransportCallback<R> done,
            CallDeadlines.Watch watch) {
        R result = null;
        TritonException error = null;
        Error fatal = null;
        HttpReply response = null;
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
    void requireSuccess(HttpReply response, String what) {
        int code = response.code();
        if (code >= 400) {
            throw serverError(response, what);
        }
        if (code < 200 || code >= 300) {
            throw failures.unexpectedStatus(what, code);
        }
    }

    /** The failure for a response with status 400 or above, with the server's error text. */
    private TritonServerException serverError(HttpReply response, String what) {
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
    byte[] readBody(HttpReply response, long limit, String what) throws IOException {
        long declared = response.contentLength();
        if (declared > limit) {
            throw failures.tooLarge(what, "its Content-Length is " + declared + " bytes", limit);
        }
        InputStream body = response.body();
        if ("gzip".equalsIgnoreCase(response.header("Content-Encoding"))) {
            // Compressed (asked for, or not: OkHttp decompresses only what it asked for and then
            // drops the header): the Content-Length is the compressed size.
            body = new GZIPInputStream(body, READ_CHUNK_BYTES);
        } else if (declared >= 0) {
            // One copy, into an array of the final size. A body that ends early throws.
            byte[] bytes = new byte[(int) declared];
            int read = body.readNBytes(bytes, 0, bytes.length);
            if (read < bytes.length) {
                throw new EOFException(
                        "the body ended after " + read + " of its " + declared + " bytes");
            }
            return bytes;
        }
        // Unknown length: read up to the limit.
        ByteArrayOutputStream gathered = new ByteArrayOutputStream(READ_CHUNK_BYTES);
        byte[] chunk = new byte[READ_CHUNK_BYTES];
        int n;
        while ((n = body.read(chunk)) != -1) {
            gathered.write(chunk, 0, n);
            if (gathered.size() > limit) {
                throw failures.tooLarge(what, "it has more than " + limit + " bytes", limit);
            }
        }
        return gathered.toByteArray();
    }
}
