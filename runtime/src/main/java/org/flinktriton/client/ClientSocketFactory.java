package org.flinktriton.client;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * The client's plain sockets, tuned for bodies of up to megabytes on a request-response connection.
 *
 * <ul>
 *   <li><b>Nagle off.</b> A request leaves in several writes (the JSON header, then the tensors);
 *       with Nagle on, the last small write waits for the server's delayed ACK, up to 40 ms per
 *       request on Linux. OkHttp leaves Nagle on.
 *   <li><b>Writes coalesced.</b> Okio hands the socket one 8 KiB segment per write, so a 256 KiB
 *       body would cost 32 system calls and, with Nagle off, 32 TCP segments, each waking the
 *       server. The output stream gathers writes into {@value #WRITE_BUFFER_BYTES}-byte chunks;
 *       OkHttp flushes it at the end of every request.
 *   <li><b>Reads batched.</b> Okio likewise reads 8 KiB per call; the input stream fetches up to
 *       {@value #READ_BUFFER_BYTES} bytes per system call, and makes no other: where {@link
 *       java.io.BufferedInputStream} asks the socket how much more is available after a short read
 *       (an {@code ioctl} per read of a small response), it returns what it has.
 * </ul>
 *
 * <p>On loopback with 256 KiB each way, these cut the client's CPU per request from about 1.2 to
 * 0.6 ms (docs/PERFORMANCE.md). TLS sockets are layered over these sockets and inherit them; the
 * TLS tests send 2 MiB bodies both ways.
 */
final class ClientSocketFactory extends SocketFactory {
    static final int WRITE_BUFFER_BYTES = 64 * 1024;
    static final int READ_BUFFER_BYTES = 64 * 1024;

    @Override
    public Socket createSocket() throws IOException {
        Socket socket = new CoalescingSocket();
        socket.setTcpNoDelay(true);
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
            throws IOException {
        return connected(
                new InetSocketAddress(localHost, localPort), new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(
            InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(
                new InetSocketAddress(localAddress, localPort),
                new InetSocketAddress(address, port));
    }

    private Socket connected(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        Socket socket = createSocket();
        try {
            if (local != null) {
                socket.bind(local);
            }
            socket.connect(remote);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * A socket whose output stream buffers writes until it is full or flushed, and whose input
     * stream reads up to {@value #READ_BUFFER_BYTES} bytes per system call where Okio asks for 8
     * KiB. Each stream is made once, so buffered bytes stay with the connection.
     */
    private static final class CoalescingSocket extends Socket {
        private InputStream in;
        private OutputStream out;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new ReadAheadInput(super.getInputStream());
            }
            return in;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                out = new BufferedOutputStream(super.getOutputStream(), WRITE_BUFFER_BYTES);
            }
            return out;
        }
    }

    /** Reads up to {@value #READ_BUFFER_BYTES} bytes ahead, one system call per refill. */
    private static final class ReadAheadInput extends InputStream {
        private final InputStream in;
        private final byte[] buffer = new byte[READ_BUFFER_BYTES];
        private int position;
        private int limit;

        ReadAheadInput(InputStream in) {
            this.in = in;
        }

        /** Refills an empty buffer; false at the end of the stream. */
        private boolean fill() throws IOException {
            int n = in.read(buffer, 0, buffer.length);
            position = 0;
            limit = Math.max(n, 0);
            return n > 0;
        }

        @Override
        public int read() throws IOException {
            if (position == limit && !fill()) {
                return -1;
            }
            return buffer[position++] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, target.length);
            if (length == 0) {
                return 0;
            }
            if (position == limit) {
                if (length >= buffer.length) {
                    return in.read(target, offset, length);
                }
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(length, limit - position);
            System.arraycopy(buffer, position, target, offset, n);
            position += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return limit - position + in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
