package org.flinktriton.samples.text;

import java.io.PrintStream;
import java.util.Comparator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.samples.common.Micros;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleRun;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.SampleSources;

/**
 * Text classification with enrichment: a stream of product {@link Review}s goes through the {@code
 * sentiment} model (BYTES {@code TEXT} in, FP32 {@code SCORES} out) and comes out as the same
 * records with their scores filled in.
 *
 * <pre>{@code
 * # on the embedded test server, which runs the Java version of the model (TextScorer)
 * mvn -B -q -pl samples exec:exec
 * # on a Triton serving samples/model_repository
 * mvn -B -q -pl samples exec:exec -Dsample.args="--endpoint http://localhost:8000"
 * }</pre>
 *
 * <p>The job: {@code fromSequence} → generate a review, stamped with its ingest time → {@code
 * TritonInference} (batches of up to {@code --max-batch-size} reviews, one HTTP request each) →
 * stamp the time the scored review left the operator → collect. Latency is measured per record
 * between the two stamps, so it includes the wait for a batch to fill, for a free slot under {@code
 * --capacity}, and the server's round trip; see {@link org.flinktriton.samples.common.RunSummary}.
 */
public final class TextClassificationJob {
    private TextClassificationJob() {}

    /** The sample's defaults: 10,000 reviews, batches of 64 (the model's max_batch_size). */
    public static SampleOptions.Builder defaults() {
        return SampleOptions.defaults(SentimentModel.NAME)
                .records(10_000)
                .maxBatchSize(SentimentModel.MAX_BATCH_SIZE);
    }

    /**
     * Runs the sample; {@code --help} lists the options. Exits with 2 for a wrong command line and
     * with 1 when the job fails, printing the root cause first (see {@link SampleMain}).
     */
    public static void main(String[] args) {
        SampleMain.main(
                TextClassificationJob.class.getSimpleName(),
                defaults(),
                args,
                TextClassificationJob::run);
    }

    /** Runs the sample with {@code options}, printing its results to {@code out}. */
    public static void run(SampleOptions options, PrintStream out) throws Exception {
        try (SampleServer server = SampleServer.start(options, SentimentModel::embedded)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            SampleRun.execute(
                    "flink-triton sample: text classification",
                    pipeline(env, server.endpoint(), options),
                    server,
                    options,
                    Comparator.comparingLong(review -> review.id),
                    out);
        }
    }

    /** The job's graph, ending in the scored reviews. */
    public static DataStream<Review> pipeline(
            StreamExecutionEnvironment env, String endpoint, SampleOptions options) {
        env.setParallelism(options.parallelism());
        DataStream<Review> reviews =
                SampleSources.ids(env, options)
                        .map(id -> new Review(id, Reviews.text(id), Micros.now()))
                        .returns(Review.class)
                        .name("generate reviews");
        return TritonInference.builder(Review.class, Review.class)
                .endpoint(endpoint)
                .model(options.model())
                .maxBatchSize(options.maxBatchSize())
                .maxBatchDelay(options.maxBatchDelay())
                .batchTimeout(options.batchTimeout())
                .capacity(options.capacity())
                .uid("sentiment-inference") // savepoints restore its state by it
                .build()
                .apply(reviews)
                .map(
                        review -> {
                            review.doneMicros = Micros.now();
                            return review;
                        })
                .returns(Review.class)
                .name("stamp latency");
    }
}
