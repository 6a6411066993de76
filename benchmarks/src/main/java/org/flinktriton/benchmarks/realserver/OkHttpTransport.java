package org.flinktriton.benchmarks.realserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * OkHttp's own floor: one {@link OkHttpClient} with no call, read or write timeout, each request
 * run with {@code execute()} on the calling thread (no dispatcher, no hand-off), its body the
 * encoded bytes, the response body read whole with {@code bytes()}. {@code Accept-Encoding:
 * identity} keeps OkHttp from asking for gzip and unzipping. Its sockets have Nagle off ({@link
 * NoDelaySocketFactory}), as {@link SocketTransport}'s, and nothing else changed.
 */
final class OkHttpTransport implements FloorTransport {
    private final OkHttpClient client =
            new OkHttpClient.Builder()
                    .socketFactory(new NoDelaySocketFactory())
                    .connectTimeout(Duration.ofSeconds(10))
                    .callTimeout(Duration.ZERO)
                    .readTimeout(Duration.ZERO)
                    .writeTimeout(Duration.ZERO)
                    .build();
    private final HttpUrl url;

    OkHttpTransport(HttpUrl url) {
        this.url = url;
    }

    @Override
    public InferResponse infer(InferBody body) throws IOException {
        byte[] bytes = new byte[body.length()];
        body.writeTo(bytes, 0);
        Request request =
                new Request.Builder()
                        .url(url)
                        .header(
                                "Inference-Header-Content-Length",
                                Integer.toString(body.header.length))
                        .header("Accept-Encoding", "identity")
                        .post(RequestBody.create(bytes, null))
                        .build();
        try (Response response = client.newCall(request).execute()) {
            byte[] answer = response.body().bytes();
            if (response.code() != 200) {
                throw new IOException(
                        "HTTP "
                                + response.code()
                                + ": "
                                + new String(answer, StandardCharsets.UTF_8));
            }
            String headerLength = response.header("inference-header-content-length");
            if (headerLength == null) {
                throw new IOException("no inference-header-content-length in the response");
            }
            return new InferResponse(answer, 0, answer.length, Integer.parseInt(headerLength));
        }
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
