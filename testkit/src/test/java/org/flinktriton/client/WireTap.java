package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay between a client and a server that keeps a copy of the bytes each way, so a
 * test can read the HTTP headers that really went over the wire, and that counts the client's
 * connections still open. A connection counts as closed once either side ends it; the relay then
 * closes both.
 */
final class WireTap implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> sockets = new ArrayList<>();
    private final ByteArrayOutputStream upstream = new ByteArrayOutputStream();
    private final ByteArrayOutputStream downstream = new ByteArrayOutputStream();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    WireTap(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "wiretap-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    /** Everything the client sent, as text (headers are ASCII). */
    String sent() {
        synchronized (upstream) {
            return upstream.toString(ISO_8859_1);
        }
    }

    /** Everything the server answered, as text. */
    String received() {
        synchronized (downstream) {
            return downstream.toString(ISO_8859_1);
        }
    }

    int openConnections() {
        return open.get();
    }

    int acceptedConnections() {
        return accepted.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(server);
                }
                accepted.incrementAndGet();
                open.incrementAndGet();
                Runnable closeBoth = once(client, server);
                pump(client, server, upstream, closeBoth, "wiretap-up");
                pump(server, client, downstream, closeBoth, "wiretap-down");
            } catch (IOException e) {
                return; // listener closed
            }
        }
    }

    private Runnable once(Socket a, Socket b) {
        AtomicInteger done = new AtomicInteger();
        return () -> {
            if (done.getAndIncrement() == 0) {
                open.decrementAndGet();
                closeQuietly(a);
                closeQuietly(b);
            }
        };
    }

    private static void pump(
            Socket from, Socket to, ByteArrayOutputStream copy, Runnable closeBoth, String name) {
        Thread thread =
                new Thread(
                        () -> {
                            byte[] buf = new byte[16384];
                            try (InputStream in = from.getInputStream()) {
                                OutputStream out = to.getOutputStream();
                                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                                    synchronized (copy) {
                                        copy.write(buf, 0, n);
                                    }
                                    out.write(buf, 0, n);
                                    out.flush();
                                }
                            } catch (IOException e) {
                                // the other side went away
                            } finally {
                                closeBoth.run();
                            }
                        },
                        name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        synchronized (sockets) {
            sockets.forEach(WireTap::closeQuietly);
        }
    }

    @Override
    public String toString() {
        InetSocketAddress address = (InetSocketAddress) listener.getLocalSocketAddress();
        return "WireTap{" + address + " -> 127.0.0.1:" + targetPort + "}";
    }
}
