package org.flinktriton.benchmarks.realserver;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The least a Java HTTP/1.1 client can do: one persistent blocking {@link Socket} with {@code
 * TCP_NODELAY}, the request head and body written with one {@code write}, the response read into a
 * reusable buffer with as few {@code read} calls as the kernel allows, a chunked body de-chunked in
 * place (no copy when it comes in one chunk), all on the calling thread. No timeouts, no pooling,
 * no redirects: only what one request after another on one connection needs.
 */
final class SocketTransport implements FloorTransport {
    private static final byte[] CONTENT_LENGTH = lower("content-length");
    private static final byte[] TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] INFERENCE_HEADER = lower("inference-header-content-length");
    private static final byte[] CONNECTION = lower("connection");
    private static final byte[] HEAD_MIDDLE = ascii("\r\nContent-Length: ");
    private static final byte[] HEAD_END = ascii("\r\n\r\n");

    private final InetSocketAddress address;

    /** "POST path HTTP/1.1", Host, then the name of the first header whose value varies. */
    private final byte[] headStart;

    private byte[] out = new byte[1 << 16];
    private byte[] in = new byte[1 << 16];
    private Socket socket;
    private InputStream input;
    private OutputStream output;
    private int responsesOnConnection;
    private long connections;
    private long reads;

    SocketTransport(String host, int port, String path) {
        this.address = new InetSocketAddress(host, port);
        this.headStart =
                ascii(
                        "POST "
                                + path
                                + " HTTP/1.1\r\nHost: "
                                + host
                                + ":"
                                + port
                                + "\r\nInference-Header-Content-Length: ");
    }

    @Override
    public InferResponse infer(InferBody body) throws IOException {
        int length = writeRequest(body);
        if (socket == null) {
            connect();
        }
        try {
            output.write(out, 0, length);
            return readResponse();
        } catch (StaleConnectionException e) {
            // The server closed the idle connection before this request: send it again, once.
            close();
            connect();
            output.write(out, 0, length);
            return readResponse();
        }
    }

    /** Lays the head and body out in {@link #out}; returns their length. */
    private int writeRequest(InferBody body) {
        int bodyLength = body.length();
        int capacity = headStart.length + HEAD_MIDDLE.length + HEAD_END.length + 20 + bodyLength;
        if (out.length < capacity) {
            out = new byte[Math.max(capacity, out.length * 2)];
        }
        int p = put(headStart, headStart.length, 0);
        p = putDecimal(body.header.length, p);
        p = put(HEAD_MIDDLE, HEAD_MIDDLE.length, p);
        p = putDecimal(bodyLength, p);
        p = put(HEAD_END, HEAD_END.length, p);
        body.writeTo(out, p);
        return p + bodyLength;
    }

    private int put(byte[] bytes, int length, int at) {
        System.arraycopy(bytes, 0, out, at, length);
        return at + length;
    }

    private int putDecimal(int value, int at) {
        int end = at + 1;
        for (int rest = value / 10; rest > 0; rest /= 10) {
            end++;
        }
        int p = end;
        do {
            out[--p] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value > 0);
        return end;
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, 10_000);
        input = socket.getInputStream();
        output = socket.getOutputStream();
        responsesOnConnection = 0;
        connections++;
    }

    /** Reads one response into {@link #in}: head, then a Content-Length or chunked body. */
    private InferResponse readResponse() throws IOException {
        int filled = 0;
        int scan = 0;
        int headEndAt;
        while ((headEndAt = indexOf(in, scan, filled, true)) < 0) {
            scan = Math.max(0, filled - 3);
            filled = fill(filled);
        }
        int status = statusCode(headEndAt);
        long contentLength = -1;
        long headerLength = -1;
        boolean chunked = false;
        boolean close = false;
        int line = indexOf(in, 0, headEndAt + 2, false) + 2;
        while (line < headEndAt) {
            int lineEnd = indexOf(in, line, headEndAt + 2, false);
            int colon = line;
            while (colon < lineEnd && in[colon] != ':') {
                colon++;
            }
            int value = colon + 1;
            while (value < lineEnd && (in[value] == ' ' || in[value] == '\t')) {
                value++;
            }
            if (nameIs(line, colon, CONTENT_LENGTH)) {
                contentLength = decimal(value, lineEnd);
            } else if (nameIs(line, colon, INFERENCE_HEADER)) {
                headerLength = decimal(value, lineEnd);
            } else if (nameIs(line, colon, TRANSFER_ENCODING)) {
                chunked = text(value, lineEnd).trim().equalsIgnoreCase("chunked");
                if (!chunked) {
                    throw new IOException("unsupported transfer-encoding: " + text(value, lineEnd));
                }
            } else if (nameIs(line, colon, CONNECTION)) {
                close = text(value, lineEnd).trim().equalsIgnoreCase("close");
            }
            line = lineEnd + 2;
        }
        int bodyStart = headEndAt + 4;
        int bodyOffset;
        int bodyEnd;
        if (chunked) {
            // De-chunk in place: each chunk's data moves down to follow the previous one's.
            int p = bodyStart;
            int w = -1;
            bodyOffset = -1;
            while (true) {
                int lineEnd;
                while ((lineEnd = indexOf(in, p, filled, false)) < 0) {
                    filled = fill(filled);
                }
                long size = hex(p, lineEnd);
                p = lineEnd + 2;
                if (size == 0) {
                    boolean empty;
                    do { // trailer fields, up to an empty line
                        while ((lineEnd = indexOf(in, p, filled, false)) < 0) {
                            filled = fill(filled);
                        }
                        empty = lineEnd == p;
                        p = lineEnd + 2;
                    } while (!empty);
                    break;
                }
                if (w < 0) {
                    w = p;
                    bodyOffset = p;
                }
                while (size > 0) {
                    if (p == filled) {
                        filled = fill(filled);
                    }
                    int n = (int) Math.min(size, filled - p);
                    if (w != p) {
                        System.arraycopy(in, p, in, w, n);
                    }
                    w += n;
                    p += n;
                    size -= n;
                }
                while (filled - p < 2) {
                    filled = fill(filled);
                }
                if (in[p] != '\r' || in[p + 1] != '\n') {
                    throw new IOException("no CRLF after a chunk");
                }
                p += 2;
            }
            if (p != filled) {
                throw new IOException((filled - p) + " unexpected bytes after the response");
            }
            if (w < 0) {
                bodyOffset = p;
                w = p;
            }
            bodyEnd = w;
        } else if (contentLength >= 0) {
            bodyOffset = bodyStart;
            bodyEnd = Math.toIntExact(bodyStart + contentLength);
            while (filled < bodyEnd) {
                filled = fill(filled);
            }
            if (filled != bodyEnd) {
                throw new IOException((filled - bodyEnd) + " unexpected bytes after the response");
            }
        } else {
            throw new IOException("response with neither Content-Length nor chunked body");
        }
        responsesOnConnection++;
        if (close) {
            close();
        }
        if (status != 200) {
            throw new IOException("HTTP " + status + ": " + text(bodyOffset, bodyEnd));
        }
        if (headerLength < 0) {
            throw new IOException("no inference-header-content-length in the response");
        }
        return new InferResponse(in, bodyOffset, bodyEnd - bodyOffset, (int) headerLength);
    }

    /** Reads what the socket has into {@link #in} from {@code filled}; returns the new fill. */
    private int fill(int filled) throws IOException {
        if (filled == in.length) {
            in = Arrays.copyOf(in, in.length * 2);
        }
        int n = input.read(in, filled, in.length - filled);
        reads++;
        if (n < 0) {
            if (filled == 0 && responsesOnConnection > 0) {
                throw new StaleConnectionException();
            }
            throw new EOFException("the server closed the connection after " + filled + " bytes");
        }
        return filled + n;
    }

    private int statusCode(int headEndAt) throws IOException {
        if (headEndAt < 12 || in[8] != ' ' || in[0] != 'H') {
            throw new IOException("not an HTTP response: " + text(0, Math.min(headEndAt, 80)));
        }
        return (int) decimal(9, 12);
    }

    /** Index of CRLFCRLF (or CRLF) in {@code bytes[from, to)}, or -1. */
    private static int indexOf(byte[] bytes, int from, int to, boolean blankLine) {
        int last = to - (blankLine ? 4 : 2);
        for (int i = from; i <= last; i++) {
            if (bytes[i] == '\r'
                    && bytes[i + 1] == '\n'
                    && (!blankLine || (bytes[i + 2] == '\r' && bytes[i + 3] == '\n'))) {
                return i;
            }
        }
        return -1;
    }

    private boolean nameIs(int from, int to, byte[] lowerName) {
        if (to - from != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if ((in[from + i] | 0x20) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private long decimal(int from, int to) throws IOException {
        long value = 0;
        int p = from;
        for (; p < to && in[p] >= '0' && in[p] <= '9'; p++) {
            value = value * 10 + (in[p] - '0');
        }
        if (p == from) {
            throw new IOException("not a number: " + text(from, to));
        }
        return value;
    }

    private long hex(int from, int to) throws IOException {
        long value = 0;
        int p = from;
        for (; p < to; p++) {
            int digit = Character.digit(in[p], 16);
            if (digit < 0) {
                break; // a chunk extension
            }
            value = value * 16 + digit;
        }
        if (p == from) {
            throw new IOException("bad chunk size line: " + text(from, to));
        }
        return value;
    }

    private String text(int from, int to) {
        return new String(in, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] lower(String name) {
        return ascii(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String stats(int requests) {
        return String.format(
                Locale.ROOT,
                "\"connections\": %d, \"reads_per_req\": %.2f",
                connections,
                reads / (double) requests);
    }

    @Override
    public void resetStats() {
        connections = 0;
        reads = 0;
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }

    /** The server had closed the connection before a request got any answer. */
    private static final class StaleConnectionException extends IOException {
        private static final long serialVersionUID = 1L;
    }
}
