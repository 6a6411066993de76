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

    /** The body as it is; null for a GET or a compressed body. */
    final EncodedBody body;

    /** The gzip-compressed body; null unless the client compresses requests. */
    final byte[] compressed;

    /** The body's {@value EncodedBody#HEADER_LENGTH}; -1 when not sent. */
    final int headerLength;

    private OutgoingRequest(
            String method, HttpUrl url, EncodedBody body, byte[] compressed, int headerLength) {
        this.method = method;
        this.url = url;
        this.body = body;
        this.compressed = compressed;
        this.headerLength = headerLength;
    }

    static OutgoingRequest get(HttpUrl url) {
        return new OutgoingRequest("GET", url, null, null, -1);
    }

    /** A POST of {@code body}, gzip-compressed when {@code compressed} is not null. */
    static OutgoingRequest post(HttpUrl url, EncodedBody body, byte[] compressed) {
        int headerLength = body.hasBinary() ? body.headerLength() : -1;
        return new OutgoingRequest(
                "POST", url, compressed == null ? body : null, compressed, headerLength);
    }

    boolean hasBody() {
        return body != null || compressed != null;
    }

    /** {@value EncodedBody#OCTET_STREAM} when binary data follows the JSON header, else JSON. */
    String contentType() {
        return headerLength >= 0 ? EncodedBody.OCTET_STREAM : EncodedBody.JSON;
    }

    long contentLength() {
        return compressed != null ? compressed.length : body.length();
    }
}
