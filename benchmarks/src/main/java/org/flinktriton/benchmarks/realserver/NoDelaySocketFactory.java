package org.flinktriton.benchmarks.realserver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain sockets with Nagle off, as {@link SocketTransport}'s. OkHttp leaves Nagle on, and writes a
 * request in 8 KiB pieces: the last small piece then waits for the server's delayed ACK, about 40
 * ms per request on Linux, which measures the kernel's timer rather than OkHttp. Nothing else is
 * changed: OkHttp's own buffering and its reads and writes stay as they are.
 */
final class NoDelaySocketFactory extends SocketFactory {
    @Override
    public Socket createSocket() throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(host, port), localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress localHost, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(host, port), localHost, localPort);
    }

    private Socket connected(InetSocketAddress remote) throws IOException {
        return connected(remote, null, 0);
    }

    private Socket connected(InetSocketAddress remote, InetAddress localHost, int localPort)
            throws IOException {
        Socket socket = createSocket();
        try {
            if (localHost != null || localPort != 0) {
                socket.bind(new InetSocketAddress(localHost, localPort));
            }
            socket.connect(remote);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
