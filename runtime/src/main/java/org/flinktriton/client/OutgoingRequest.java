package org.flinktriton.client;

import okhttp3.HttpUrl;
import org.flinktriton.wire.EncodedBody;

/**
 * A request as the client sends it, before an {@link HttpCall} carries it: a GET, or a POST of an
 * inference body (as it is, or gzip-compressed). The client's own headers are the transport's.
 */
final class OutgoingRequest {
    final String method;
    final HttpUrl url;

    /** The inference body; null for a GET. */
    final EncodedBody body;

    /** The body gzip-compressed, which is sent in its place; null unless the client compresses. */
    final byte[] compressed;

    private OutgoingRequest(String method, HttpUrl url, EncodedBody body, byte[] compressed) {
        this.method = method;
        this.url = url;
        this.body = body;
        this.compressed = compressed;
    }

    static OutgoingRequest get(HttpUrl url) {
        return new OutgoingRequest("GET", url, null, null);
    }

    /** A POST of {@code body}, sent as {@code compressed} when that is not null. */
    static OutgoingRequest post(HttpUrl url, EncodedBody body, byte[] compressed) {
        return new OutgoingRequest("POST", url, body, compressed);
    }

    /** Whether binary tensor data follows the body's JSON header. */
    boolean binary() {
        return body != null && body.hasBinary();
    }

    /** The bytes sent as the body. */
    long contentLength() {
        return compressed != null ? compressed.length : body.length();
    }
}
