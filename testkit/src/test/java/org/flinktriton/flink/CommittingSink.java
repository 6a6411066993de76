package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A two-phase-commit test sink, shaped like a transactional connector: each writer collects the
 * record ids of what it is given and, at every checkpoint barrier (and at the end of input), hands
 * them over as one transaction; the committer publishes a transaction only when Flink notifies it
 * that the checkpoint holding it is complete. A transaction a restore hands over again (committed
 * already, but restored from state) is recognised by its id and not published twice.
 *
 * <p>So only what is committed counts as output, and what a subtask wrote after its last
 * checkpoint, before a failure, is never published: the job's exactly-once guarantee can be
 * asserted on {@link #assertEveryRecordCommittedOnce}. The ledger is static, because the job runs
 * serialized copies of the sink in the test's JVM; {@link #reset()} it before each job.
 */
final class CommittingSink<T> extends WriterSink<T>
        implements SupportsCommitter<CommittingSink.Transaction> {

    private static final long serialVersionUID = 1L;

    private static final Map<Long, AtomicInteger> COMMITTED = new ConcurrentHashMap<>();
    private static final AtomicLong COMMITTED_RECORDS = new AtomicLong();
    private static final Set<String> TRANSACTIONS = ConcurrentHashMap.newKeySet();
    private static final AtomicLong WRITTEN = new AtomicLong();
    private static final AtomicLong FIRST_RESTARTED_WRITE_NANOS = new AtomicLong();
    private static final AtomicLong FIRST_RESTARTED_COMMIT_NANOS = new AtomicLong();
    private static final Queue<String> WRONG = new ConcurrentLinkedQueue<>();

    /** Finds the record id of an output; throws when the output is wrong. */
    @FunctionalInterface
    interface RecordId<T> extends Serializable {
        long of(T output);
    }

    /** What one writer wrote between two checkpoints, by an attempt of its subtask. */
    record Transaction(String id, int attempt, long[] records) {}

    private final RecordId<T> recordId;

    CommittingSink(RecordId<T> recordId) {
        this.recordId = recordId;
    }

    static void reset() {
        COMMITTED.clear();
        COMMITTED_RECORDS.set(0);
        TRANSACTIONS.clear();
        WRITTEN.set(0);
        FIRST_RESTARTED_WRITE_NANOS.set(0);
        FIRST_RESTARTED_COMMIT_NANOS.set(0);
        WRONG.clear();
    }

    /** Outputs the writers were given, committed or not. */
    static long written() {
        return WRITTEN.get();
    }

    /** Outputs published by the committer. */
    static long committed() {
        return COMMITTED_RECORDS.get();
    }

    /**
     * {@link System#nanoTime()} when a restarted subtask (attempt 1 or later) first wrote an
     * output, or 0.
     */
    static long firstRestartedWriteNanos() {
        return FIRST_RESTARTED_WRITE_NANOS.get();
    }

    /**
     * {@link System#nanoTime()} when an output of a restarted subtask was first published, or 0.
     */
    static long firstRestartedCommitNanos() {
        return FIRST_RESTARTED_COMMIT_NANOS.get();
    }

    /** Every id in {@code [0, records)} was published exactly once, and nothing else was. */
    static void assertEveryRecordCommittedOnce(long records) {
        assertThat(WRONG).as("wrong outputs").isEmpty();
        for (long id = 0; id < records; id++) {
            AtomicInteger count = COMMITTED.get(id);
            assertThat(count).as("committed output of record %d", id).isNotNull();
            assertThat(count.get()).as("committed outputs of record %d", id).isEqualTo(1);
        }
        assertThat(COMMITTED).as("records with a committed output").hasSize((int) records);
        assertThat(COMMITTED_RECORDS.get()).as("committed outputs").isEqualTo(records);
    }

    /**
     * Every id in {@code [0, records)} was published at least once, and nothing else was: what an
     * at-least-once job guarantees. Returns how many publications were repeats.
     */
    static long assertEveryRecordCommittedAtLeastOnce(long records) {
        assertThat(WRONG).as("wrong outputs").isEmpty();
        for (long id = 0; id < records; id++) {
            assertThat(COMMITTED.get(id)).as("committed output of record %d", id).isNotNull();
        }
        assertThat(COMMITTED).as("records with a committed output").hasSize((int) records);
        return COMMITTED_RECORDS.get() - records;
    }

    @Override
    public CommittingSinkWriter<T, Transaction> createWriter(WriterInitContext context) {
        return new Writer(context.getTaskInfo().getAttemptNumber());
    }

    @Override
    public Committer<Transaction> createCommitter(CommitterInitContext context) {
        return new TransactionCommitter();
    }

    @Override
    public SimpleVersionedSerializer<Transaction> getCommittableSerializer() {
        return new TransactionSerializer();
    }

    private final class Writer implements CommittingSinkWriter<T, Transaction> {
        private final int attempt;
        private long[] ids = new long[256];
        private int size;

        Writer(int attempt) {
            this.attempt = attempt;
        }

        @Override
        public void write(T output, Context context) {
            long id;
            try {
                id = recordId.of(output);
            } catch (RuntimeException e) {
                if (WRONG.size() < 10) {
                    WRONG.add(String.valueOf(e.getMessage()));
                }
                return;
            }
            if (attempt > 0) {
                FIRST_RESTARTED_WRITE_NANOS.compareAndSet(0, System.nanoTime());
            }
            WRITTEN.incrementAndGet();
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
        }

        @Override
        public Collection<Transaction> prepareCommit() {
            if (size == 0) {
                return List.of();
            }
            Transaction transaction =
                    new Transaction(
                            UUID.randomUUID().toString(), attempt, Arrays.copyOf(ids, size));
            size = 0;
            return List.of(transaction);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
    }

    private static final class TransactionCommitter implements Committer<Transaction> {
        @Override
        public void commit(Collection<CommitRequest<Transaction>> requests) {
            for (CommitRequest<Transaction> request : requests) {
                Transaction transaction = request.getCommittable();
                if (!TRANSACTIONS.add(transaction.id())) {
                    request.signalAlreadyCommitted();
                    continue;
                }
                for (long id : transaction.records()) {
                    COMMITTED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                }
                COMMITTED_RECORDS.addAndGet(transaction.records().length);
                if (transaction.attempt() > 0) {
                    FIRST_RESTARTED_COMMIT_NANOS.compareAndSet(0, System.nanoTime());
                }
            }
        }

        @Override
        public void close() {}
    }

    private static final class TransactionSerializer
            implements SimpleVersionedSerializer<Transaction> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Transaction transaction) throws IOException {
            long[] records = transaction.records();
            DataOutputSerializer out = new DataOutputSerializer(64 + 8 * records.length);
            out.writeUTF(transaction.id());
            out.writeInt(transaction.attempt());
            out.writeInt(records.length);
            for (long id : records) {
                out.writeLong(id);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public Transaction deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("Unknown transaction version " + version);
            }
            DataInputDeserializer in = new DataInputDeserializer(serialized);
            String id = in.readUTF();
            int attempt = in.readInt();
            long[] records = new long[in.readInt()];
            for (int i = 0; i < records.length; i++) {
                records[i] = in.readLong();
            }
            return new Transaction(id, attempt, records);
        }
    }
}
