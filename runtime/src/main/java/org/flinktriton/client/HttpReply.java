package org.flinktriton.client;

import java.io.InputStream;

/** A response's status, headers and body, whichever {@link HttpCall} read it. */
interface HttpReply extends AutoCloseable {
    int code();

    /** The reason phrase; may be empty. */
    String message();

    /** The first value of header {@code name} (any case), or null. */
    String header(String name);

    /** The body's length as the response declared it (before any decoding), or -1. */
    long contentLength();

    /** The body as it came, to read at most once. */
    InputStream body();

    /** The request's {@code Content-Encoding}, or null when the request body was not encoded. */
    String requestEncoding();

    /**
     * Ends the exchange: the connection goes back to its pool when the body was read to its end.
     */
    @Override
    void close();
}
