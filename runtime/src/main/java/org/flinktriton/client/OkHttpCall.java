package org.flinktriton.client;

import java.io.IOException;
import java.io.InputStream;
import okhttp3.Call;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.flinktriton.wire.EncodedBody;

/**
 * An exchange on OkHttp, which carries {@code https://} endpoints and those reached through a
 * proxy.
 */
final class OkHttpCall implements HttpCall {
    private static final MediaType JSON_TYPE = MediaType.get(EncodedBody.JSON);
    private static final MediaType OCTET_TYPE = MediaType.get(EncodedBody.OCTET_STREAM);

    private final Call call;

    OkHttpCall(OkHttpClient http, Headers headers, OutgoingRequest request) {
        Request.Builder builder = new Request.Builder().url(request.url).headers(headers);
        if (request.body != null) {
            if (request.binary()) {
                builder.header(
                        EncodedBody.HEADER_LENGTH, Integer.toString(request.body.headerLength()));
            }
            MediaType type = request.binary() ? OCTET_TYPE : JSON_TYPE;
            if (request.compressed != null) {
                builder.header("Content-Encoding", "gzip");
                builder.post(RequestBody.create(request.compressed, type));
            } else {
                builder.post(new EncodedRequestBody(request.body, type));
            }
        }
        this.call = http.newCall(builder.build());
    }

    @Override
    public HttpReply execute() throws IOException {
        return new Reply(call.execute());
    }

    @Override
    public void cancel() {
        call.cancel();
    }

    private static final class Reply implements HttpReply {
        private final Response response;

        Reply(Response response) {
            this.response = response;
        }

        @Override
        public int code() {
            return response.code();
        }

        @Override
        public String message() {
            return response.message();
        }

        @Override
        public String header(String name) {
            return response.header(name);
        }

        @Override
        public long contentLength() {
            return response.body().contentLength();
        }

        @Override
        public InputStream body() {
            return response.body().byteStream();
        }

        @Override
        public String requestEncoding() {
            return response.request().header("Content-Encoding");
        }

        @Override
        public void close() {
            response.close();
        }
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
}
