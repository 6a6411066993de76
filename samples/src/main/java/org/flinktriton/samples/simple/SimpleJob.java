package org.flinktriton.samples.simple;

import java.io.PrintStream;
import java.util.Comparator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.samples.common.Micros;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleRun;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.SampleSources;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TestModels;

/**
 * Triton's quick-start model {@code simple} (INT32 {@code INPUT0}/{@code INPUT1} of 16 elements,
 * {@code max_batch_size} 8; {@code OUTPUT0} is the sum, {@code OUTPUT1} the difference) from a
 * Flink job. A Triton started on its example model repository serves this model, so the job runs
 * against it unchanged.
 *
 * <pre>{@code
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.simple.SimpleJob
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.simple.SimpleJob \
 *     -Dsample.args="--endpoint http://localhost:8000"
 * }</pre>
 *
 * <p>The job: {@code fromSequence} → {@link SimpleRequest} stamped with its ingest time → {@code
 * TritonInference}, whose {@code (request, result) -> …} function joins each request with its
 * {@link SimpleResult} into a {@link SimpleSum} → stamp the time the result left the operator →
 * collect. Flink batches hold 8 records by default, the model's {@code max_batch_size}: a larger
 * {@code --max-batch-size} still works, because the client splits a batch into requests of at most
 * 8 and sends them concurrently. Latency is per record, between the two stamps.
 */
public final class SimpleJob {
    /** The model's name in Triton's example repository. */
    public static final String MODEL = "simple";

    /** The model's {@code max_batch_size}. */
    public static final int MAX_BATCH_SIZE = 8;

    private SimpleJob() {}

    /** The sample's defaults: 10,000 requests, batches of 8. */
    public static SampleOptions.Builder defaults() {
        return SampleOptions.defaults(MODEL).records(10_000).maxBatchSize(MAX_BATCH_SIZE);
    }

    /** The embedded stand-in for Triton's {@code simple}, served under {@code name}. */
    public static TestModel embeddedModel(String name) {
        return TestModels.addSub(name, TritonDataType.INT32, SimpleRequest.LENGTH, MAX_BATCH_SIZE);
    }

    /**
     * Runs the sample; {@code --help} lists the options. Exits with 2 for a wrong command line and
     * with 1 when the job fails, printing the root cause first (see {@link SampleMain}).
     */
    public static void main(String[] args) {
        SampleMain.main(SimpleJob.class.getSimpleName(), defaults(), args, SimpleJob::run);
    }

    /** Runs the sample with {@code options}, printing its results to {@code out}. */
    public static void run(SampleOptions options, PrintStream out) throws Exception {
        try (SampleServer server = SampleServer.start(options, SimpleJob::embeddedModel)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            SampleRun.execute(
                    "flink-triton sample: simple",
                    pipeline(env, server.endpoint(), options),
                    server,
                    options,
                    Comparator.comparingLong(sum -> sum.id),
                    out);
        }
    }

    /** The job's graph, ending in the joined requests and results. */
    public static DataStream<SimpleSum> pipeline(
            StreamExecutionEnvironment env, String endpoint, SampleOptions options) {
        env.setParallelism(options.parallelism());
        DataStream<SimpleRequest> requests =
                SampleSources.ids(env, options)
                        .map(id -> SimpleRequest.generate(id, Micros.now()))
                        .returns(SimpleRequest.class)
                        .name("generate requests");
        return TritonInference.builder(SimpleRequest.class, SimpleResult.class)
                .endpoint(endpoint)
                .model(options.model())
                .maxBatchSize(options.maxBatchSize())
                .maxBatchDelay(options.maxBatchDelay())
                .batchTimeout(options.batchTimeout())
                .capacity(options.capacity())
                .uid("simple-inference") // savepoints restore its state by it
                .build()
                .apply(requests, SimpleSum::of, SimpleSum.class)
                .map(
                        sum -> {
                            sum.doneMicros = Micros.now();
                            return sum;
                        })
                .returns(SimpleSum.class)
                .name("stamp latency");
    }
}
