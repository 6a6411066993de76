package org.flinktriton.client;

import java.io.IOException;

/**
 * One HTTP exchange, ready to run once on the calling thread: on OkHttp ({@link OkHttpCall}) or on
 * a pooled socket of the client's own ({@link SocketCall}).
 */
interface HttpCall {
    /**
     * Sends the request and reads the response's status line and headers; the caller reads the body
     * and closes the reply.
     */
    HttpReply execute() throws IOException;

    /** Makes a running or future {@link #execute} fail at once; safe from any thread. */
    void cancel();
}
