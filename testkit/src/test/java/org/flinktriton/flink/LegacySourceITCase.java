package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.NumberSequenceIterator;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link TritonInference} behind legacy {@code SourceFunction}s, which emit records from a thread
 * of their own rather than the task's mailbox thread. The model takes 5 ms per request, far longer
 * than the source takes to fill a batch, so the operator has to wait for capacity all the time; it
 * may only do that on the mailbox thread. The jobs run without restarts, so that such a failure
 * fails the test at once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LegacySourceITCase {

    private static final int RECORDS = 1_000;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static TritonTestServer server;

    // Shared with the sink, which the job runs from serialized copies.
    private static final Map<Long, AtomicInteger> OUTPUTS = new ConcurrentHashMap<>();
    private static final Queue<String> WRONG = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(
                                TestModels.withCost(
                                        TestModels.addSub(
                                                "add_sub",
                                                TritonDataType.FP32,
                                                InferenceTypes.LENGTH,
                                                8),
                                        Duration.ofMillis(5),
                                        Duration.ZERO))
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void reset() {
        OUTPUTS.clear();
        WRONG.clear();
    }

    @Test
    @SuppressWarnings("deprecation") // fromCollection(Iterator) is the legacy source under test
    void behindANonParallelLegacySourceEveryRecordGetsOneOutput() throws Exception {
        StreamExecutionEnvironment env = environment(1);
        DataStream<AddSubRequest> requests =
                env.fromCollection(new Requests(RECORDS), TypeInformation.of(AddSubRequest.class));

        inference().apply(requests).sinkTo(new CheckingSink());
        env.execute("TritonInference behind fromCollection(Iterator)");

        assertEveryRecordHasOneOutput();
    }

    /** The map chains to the legacy source, so its records arrive on the source's thread too. */
    @Test
    void behindAMapChainedToAParallelLegacySourceEveryRecordGetsOneOutput() throws Exception {
        StreamExecutionEnvironment env = environment(4);
        DataStream<AddSubRequest> requests =
                env.fromParallelCollection(new NumberSequenceIterator(0, RECORDS - 1), Long.class)
                        .map(AddSubRequest::of)
                        .returns(AddSubRequest.class);

        inference().apply(requests).sinkTo(new CheckingSink());
        env.execute("TritonInference behind fromParallelCollection and a map");

        assertEveryRecordHasOneOutput();
    }

    private static TritonInference<AddSubRequest, AddSubResult> inference() {
        return TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint(server.endpoint())
                .model("add_sub")
                .maxBatchSize(8)
                .maxBatchDelay(Duration.ofMillis(5))
                .capacity(2)
                .build();
    }

    private static StreamExecutionEnvironment environment(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(noRestarts);
        return env;
    }

    private static void assertEveryRecordHasOneOutput() {
        assertThat(WRONG).as("wrong outputs").isEmpty();
        assertThat(OUTPUTS).hasSize(RECORDS);
        for (long id = 0; id < RECORDS; id++) {
            assertThat(OUTPUTS.get(id)).as("outputs of record %d", id).isNotNull();
            assertThat(OUTPUTS.get(id).get()).as("outputs of record %d", id).isEqualTo(1);
        }
    }

    /** Records 0 to count - 1; the legacy source serializes its iterator into the job graph. */
    private static final class Requests implements Iterator<AddSubRequest>, Serializable {
        private static final long serialVersionUID = 1L;

        private final long count;
        private long next;

        Requests(long count) {
            this.count = count;
        }

        @Override
        public boolean hasNext() {
            return next < count;
        }

        @Override
        public AddSubRequest next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return AddSubRequest.of(next++);
        }
    }

    /** Counts each output under the record id that its difference carries, once checked. */
    private static final class CheckingSink extends WriterSink<AddSubResult> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<AddSubResult> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(AddSubResult result, Context context) {
                    float[] difference = result.difference();
                    if (difference == null || difference.length == 0) {
                        WRONG.add("an output without a difference");
                        return;
                    }
                    long id = (long) difference[0];
                    if (!InferenceTypes.isDifferenceOf(id, result.difference())
                            || !InferenceTypes.isSumOf(id, result.sum())) {
                        WRONG.add("record " + id);
                        return;
                    }
                    OUTPUTS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
