package org.flinktriton.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * Listens on a port again after an outage, retrying while the port is still held (a closed socket
 * may linger briefly), for at most {@link #REBIND_MILLIS}.
 */
final class Rebinding {
    /** How long binding the port again may keep failing before it gives up. */
    static final long REBIND_MILLIS = 10_000;

    /** Binds and serves on the port; fails with an {@link IOException} while it is taken. */
    @FunctionalInterface
    interface Bind {
        void bind() throws IOException;
    }

    private Rebinding() {}

    /**
     * Runs {@code bind} until it succeeds.
     *
     * @throws UncheckedIOException when the port could not be bound again in time, naming {@code
     *     port}
     * @throws IllegalStateException when interrupted while retrying
     */
    static void retry(Bind bind, String port) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REBIND_MILLIS);
        while (true) {
            try {
                bind.bind();
                return;
            } catch (IOException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new UncheckedIOException(
                            "Cannot listen on " + port + " again after an outage", e);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while ending an outage", e);
            }
        }
    }
}
