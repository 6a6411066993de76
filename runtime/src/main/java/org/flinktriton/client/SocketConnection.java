package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One keep-alive HTTP/1.1 connection of a {@link SocketPool}: writes a request, reads the
 * response's head and frames its body (by {@code Content-Length}, chunked, or up to the end of the
 * connection). A response read to its end leaves the connection ready for the next request, unless
 * either side said {@code Connection: close}.
 *
 * <p>Bytes that break HTTP throw {@link ProtocolException}; a connection that ends early throws
 * {@link EOFException}, or a {@link ProtocolException} "unexpected end of stream" inside a body, as
 * OkHttp does: {@link HttpFailures} reads both as a cut connection.
 */
final class SocketConnection {
    /** The most bytes of a response's status line and headers, or of a chunk's size line. */
    private static final int HEAD_LIMIT = 256 * 1024;

    /** The most of an unread body that {@link Reply#close} reads to keep the connection. */
    private static final long DISCARD_LIMIT = 64 * 1024;

    private final SocketPool pool;
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** When it went back to the pool ({@link System#nanoTime}). */
    long idleSince;

    /** Whether a byte of the current response has arrived. */
    boolean responseStarted;

    private final AtomicBoolean closed = new AtomicBoolean();

    private byte[] line = new byte[128];

    SocketConnection(SocketPool pool, Socket socket) throws IOException {
        this.pool = pool;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Sends {@code head} (request line and headers) and the request's body. */
    void write(byte[] head, OutgoingRequest request) throws IOException {
        responseStarted = false;
        out.write(head);
        if (request.compressed != null) {
            out.write(request.compressed);
        } else if (request.body != null) {
            request.body.writeTo(out);
        }
        out.flush();
    }

    /** Reads the response's head, skipping interim (1xx) responses. */
    HttpReply read(SocketCall call, String requestEncoding) throws IOException {
        while (true) {
            String status = readLine(HEAD_LIMIT, true);
            responseStarted = true;
            Reply reply = new Reply(call, requestEncoding, status);
            int headBytes = status.length();
            String header;
            while (!(header = readLine(HEAD_LIMIT - headBytes, false)).isEmpty()) {
                headBytes += header.length() + 2;
                reply.addHeader(header);
            }
            if (reply.code == 101) {
                throw new ProtocolException("unexpected HTTP 101 (Switching Protocols)");
            }
            if (reply.code >= 200) {
                reply.frame();
                return reply;
            }
        }
    }

    /**
     * Whether the server has closed this idle connection (or sent bytes nobody asked for): a read
     * that waits a millisecond finds out.
     */
    boolean isStale() {
        try {
            socket.setSoTimeout(1);
            try {
                in.read();
                return true;
            } finally {
                socket.setSoTimeout(0);
            }
        } catch (SocketTimeoutException quiet) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Closes the socket (a call blocked on it fails) and counts it out of the pool, once. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                socket.close();
            } catch (IOException e) {
                // closed either way
            }
            pool.closed();
        }
    }

    /**
     * A line up to LF, without its CR: ISO-8859-1 text, as HTTP heads are.
     *
     * @param first whether it is a response's first line, which may instead be the end of a
     *     connection the server closed
     */
    private String readLine(int limit, boolean first) throws IOException {
        int length = 0;
        while (true) {
            int b = in.read();
            if (b == -1) {
                if (first && length == 0) {
                    throw new EOFException("the server closed the connection before it answered");
                }
                throw new ProtocolException("unexpected end of stream");
            }
            if (b == '\n') {
                break;
            }
            if (length == limit) {
                throw new ProtocolException("a response line is longer than " + limit + " bytes");
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(limit, line.length * 2));
            }
            line[length++] = (byte) b;
        }
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        return new String(line, 0, length, ISO_8859_1);
    }

    /** A response on this connection, and its body. */
    private final class Reply extends InputStream implements HttpReply {
        private final SocketCall call;
        private final String requestEncoding;
        private final boolean http11;
        final int code;
        private final String message;
        private final List<String> headers = new ArrayList<>(16);

        /** Whether the connection may carry another request once the body has been read. */
        private boolean keepAlive;

        /** The declared body length, or -1. */
        private long declared = -1;

        /** What is left of a fixed-length body or of the current chunk; -1 before a chunk. */
        private long left;

        private boolean chunked;

        /** Whether the body ends with the connection. */
        private boolean untilClose;

        private boolean ended;

        Reply(SocketCall call, String requestEncoding, String status) throws ProtocolException {
            this.call = call;
            this.requestEncoding = requestEncoding;
            // HTTP/1.1 200 OK
            if (status.length() < 12
                    || !status.startsWith("HTTP/1.")
                    || status.charAt(8) != ' '
                    || (status.length() > 12 && status.charAt(12) != ' ')) {
                throw unexpectedStatus(status);
            }
            this.http11 = status.charAt(7) == '1';
            int parsed = 0;
            for (int i = 9; i < 12; i++) {
                char c = status.charAt(i);
                if (c < '0' || c > '9') {
                    throw unexpectedStatus(status);
                }
                parsed = parsed * 10 + (c - '0');
            }
            this.code = parsed;
            this.message = status.length() > 13 ? status.substring(13) : "";
        }

        private ProtocolException unexpectedStatus(String status) {
            String shown = status.length() > 80 ? status.substring(0, 80) + "..." : status;
            return new ProtocolException("Unexpected status line: " + shown);
        }

        void addHeader(String line) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.add(line.substring(0, colon).strip());
                headers.add(line.substring(colon + 1).strip());
            }
        }

        /** Decides how the body ends, and whether the connection outlives it. */
        void frame() {
            String connection = header("Connection");
            keepAlive =
                    http11
                            && (connection == null
                                    || !connection.toLowerCase(Locale.ROOT).contains("close"));
            String transferEncoding = header("Transfer-Encoding");
            if (code == 204 || code == 304) {
                left = 0;
            } else if (transferEncoding != null
                    && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
                left = -1;
            } else {
                declared = contentLength(header("Content-Length"));
                if (declared >= 0) {
                    left = declared;
                } else {
                    // Up to the end of the connection, which then cannot be reused.
                    keepAlive = false;
                    untilClose = true;
                    left = Long.MAX_VALUE;
                }
            }
            if (left == 0) {
                ended = true;
            }
        }

        private long contentLength(String value) {
            if (value == null) {
                return -1;
            }
            try {
                return Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public int code() {
            return code;
        }

        @Override
        public String message() {
            return message;
        }

        @Override
        public String header(String name) {
            for (int i = 0; i < headers.size(); i += 2) {
                if (headers.get(i).equalsIgnoreCase(name)) {
                    return headers.get(i + 1);
                }
            }
            return null;
        }

        @Override
        public long contentLength() {
            return declared;
        }

        @Override
        public InputStream body() {
            return this;
        }

        @Override
        public String requestEncoding() {
            return requestEncoding;
        }

        // ---- the body ------------------------------------------------------------------------

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (ended) {
                return -1;
            }
            if (chunked && left <= 0 && !nextChunk()) {
                return -1;
            }
            int n = in.read(target, offset, (int) Math.min(length, left));
            if (n == -1) {
                if (untilClose) {
                    ended = true;
                    return -1;
                }
                throw new ProtocolException("unexpected end of stream");
            }
            left -= n;
            if (left == 0 && !chunked) {
                ended = true;
            }
            return n;
        }

        /** Reads the next chunk's size line (after the last chunk's CRLF); false after the last. */
        private boolean nextChunk() throws IOException {
            if (left == 0 && !readLine(HEAD_LIMIT, false).isEmpty()) {
                throw new ProtocolException("a chunk of the response does not end with CRLF");
            }
            String sizeLine = readLine(HEAD_LIMIT, false);
            int extension = sizeLine.indexOf(';');
            String size = (extension >= 0 ? sizeLine.substring(0, extension) : sizeLine).strip();
            try {
                left = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                left = -1;
            }
            if (left < 0) {
                throw new ProtocolException(
                        "expected chunk size and optional extensions but was \"" + sizeLine + "\"");
            }
            if (left == 0) {
                while (!readLine(HEAD_LIMIT, false).isEmpty()) {
                    // trailers: not used
                }
                ended = true;
                return false;
            }
            return true;
        }

        @Override
        public void close() {
            if (!ended && keepAlive) {
                discardRest();
            }
            if (ended && keepAlive && call.detach(SocketConnection.this)) {
                pool.release(SocketConnection.this);
            } else {
                SocketConnection.this.close();
            }
        }

        /** Reads a short unread body to its end, so that the connection can be reused. */
        private void discardRest() {
            if (!chunked && left > DISCARD_LIMIT) {
                return;
            }
            byte[] skip = new byte[8192];
            long read = 0;
            try {
                int n;
                while (read <= DISCARD_LIMIT && (n = read(skip, 0, skip.length)) != -1) {
                    read += n;
                }
            } catch (IOException e) {
                ended = false;
            }
        }
    }
}
