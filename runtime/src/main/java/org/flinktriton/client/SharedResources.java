package org.flinktriton.client;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Values that the clients of one JVM share by key, counted by their users: built for the first user
 * of a key, closed when the last one lets go. A TaskManager with 16 slots that runs 16 parallel
 * instances of one inference operator thus holds one connection pool and one set of threads per
 * server, not 16.
 *
 * <p>It knows nothing of the transport: the HTTP transport keeps its {@link HttpStack}s here by
 * {@link TransportKey}, and another transport (a gRPC channel per server) can keep its own values
 * the same way, in a registry of its own.
 *
 * @param <K> what users must have in common to share a value; {@code equals} and {@code hashCode}
 * @param <V> the shared value
 */
final class SharedResources<K, V> {
    /** One user's hold on a shared value. {@link #close} it once when done; again does nothing. */
    final class Lease implements AutoCloseable {
        private final K key;
        private final Entry entry;
        private boolean closed; // guarded by SharedResources.this

        private Lease(K key, Entry entry) {
            this.key = key;
            this.entry = entry;
        }

        /** The shared value. */
        V get() {
            return entry.value;
        }

        /** How many users hold the value now, this one included while open. */
        int users() {
            synchronized (SharedResources.this) {
                return entry.users;
            }
        }

        /** Lets go of the value; the last user to let go closes it, on this thread. */
        @Override
        public void close() {
            release(this);
        }
    }

    private final class Entry {
        final V value;
        int users; // guarded by SharedResources.this

        Entry(V value) {
            this.value = value;
        }
    }

    private final Consumer<? super V> closer;
    private final Map<K, Entry> entries = new HashMap<>(); // guarded by this

    /**
     * @param closer closes a value when its last user lets go
     */
    SharedResources(Consumer<? super V> closer) {
        this.closer = closer;
    }

    /**
     * A hold on the value of {@code key}: the one there is, or a new one from {@code create} (run
     * under this registry's lock, so keep it free of I/O).
     */
    synchronized Lease acquire(K key, Function<? super K, ? extends V> create) {
        Entry entry = entries.get(key);
        if (entry == null) {
            entry = new Entry(create.apply(key));
            entries.put(key, entry);
        }
        entry.users++;
        return new Lease(key, entry);
    }

    private void release(Lease lease) {
        Entry last;
        synchronized (this) {
            if (lease.closed) {
                return;
            }
            lease.closed = true;
            if (--lease.entry.users > 0) {
                return;
            }
            entries.remove(lease.key, lease.entry);
            last = lease.entry;
        }
        // Outside the lock: closing may wait for threads, and a new user of the key meanwhile
        // gets a new value.
        closer.accept(last.value);
    }

    /** How many values are shared now. */
    synchronized int size() {
        return entries.size();
    }

    /** How many users hold the values now, all values together. */
    synchronized int users() {
        int users = 0;
        for (Entry entry : entries.values()) {
            users += entry.users;
        }
        return users;
    }
}
