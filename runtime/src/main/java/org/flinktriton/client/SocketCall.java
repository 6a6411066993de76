package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.IOException;
import java.net.Socket;
import org.flinktriton.wire.EncodedBody;

/**
 * An exchange on a connection of a {@link SocketPool}: the client's own HTTP/1.1 for plain {@code
 * http://} endpoints, with a tenth of OkHttp's code per request (docs/PERFORMANCE.md).
 *
 * <p>A request that fails on a pooled connection before any byte of its response arrived is sent
 * once more on a new connection: the server may have closed the idle connection as the request
 * left, as servers with a short keep-alive (uvicorn's is 5 s) do. OkHttp does the same.
 */
final class SocketCall implements HttpCall {
    private final SocketPool pool;
    private final OutgoingRequest request;
    private final String headers;
    private final int connectTimeoutMillis;

    private boolean cancelled; // guarded by this

    /** The socket in use, which {@link #cancel} closes; null once the response is done. */
    private Socket socket; // guarded by this

    /**
     * @param headers the header lines every request of the client carries (Host, the client's own,
     *     Accept-Encoding, User-Agent), each ending with CRLF
     */
    SocketCall(SocketPool pool, OutgoingRequest request, String headers, int connectTimeoutMillis) {
        this.pool = pool;
        this.request = request;
        this.headers = headers;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    @Override
    public HttpReply execute() throws IOException {
        byte[] head = head();
        SocketConnection connection = pool.pooled();
        boolean reused = connection != null;
        while (true) {
            if (connection == null) {
                try {
                    connection = pool.connect(this, connectTimeoutMillis);
                } catch (IOException e) {
                    throw isCancelled() ? new IOException("Canceled", e) : e;
                }
            }
            try {
                connecting(connection.socket);
                connection.write(head, request);
                return connection.read(this, request.compressed != null ? "gzip" : null);
            } catch (IOException e) {
                connection.close();
                if (isCancelled()) {
                    throw new IOException("Canceled", e);
                }
                if (!reused || connection.responseStarted) {
                    throw e;
                }
                reused = false;
                connection = null;
            }
        }
    }

    /** The request line and headers. */
    private byte[] head() {
        StringBuilder head = new StringBuilder(headers.length() + 160);
        head.append(request.method).append(' ').append(request.url.encodedPath());
        String query = request.url.encodedQuery();
        if (query != null) {
            head.append('?').append(query);
        }
        head.append(" HTTP/1.1\r\n").append(headers);
        if (request.body != null) {
            head.append("Content-Type: ").append(request.body.contentType()).append("\r\n");
            head.append("Content-Length: ").append(request.contentLength()).append("\r\n");
            if (request.compressed != null) {
                head.append("Content-Encoding: gzip\r\n");
            }
            if (request.binary()) {
                head.append(EncodedBody.HEADER_LENGTH)
                        .append(": ")
                        .append(request.body.headerLength())
                        .append("\r\n");
            }
        }
        return head.append("\r\n").toString().getBytes(ISO_8859_1);
    }

    /** Holds {@code next} as the socket to close on {@link #cancel}; throws once cancelled. */
    synchronized void connecting(Socket next) throws IOException {
        if (cancelled) {
            throw new IOException("Canceled");
        }
        socket = next;
    }

    synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * Lets go of the connection, whose response was read to its end, so that a late {@link #cancel}
     * cannot close it under another call; false when cancelled already.
     */
    synchronized boolean detach(SocketConnection connection) {
        if (cancelled || socket != connection.socket) {
            return false;
        }
        socket = null;
        return true;
    }

    @Override
    public void cancel() {
        Socket close;
        synchronized (this) {
            cancelled = true;
            close = socket;
            socket = null;
        }
        if (close != null) {
            try {
                close.close();
            } catch (IOException e) {
                // closed either way
            }
        }
    }
}
