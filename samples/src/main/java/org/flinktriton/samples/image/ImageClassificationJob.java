package org.flinktriton.samples.image;

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
 * Image classification shaped like Triton's {@code densenet_onnx} example: synthetic 224 × 224 RGB
 * images are scaled into a flat {@code float[]} of shape {@code [3, 224, 224]}, sent one per
 * request ({@code max_batch_size} 0), and the job keeps the top 5 of the 1,000 scores that come
 * back.
 *
 * <pre>{@code
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.image.ImageClassificationJob
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.image.ImageClassificationJob \
 *     -Dsample.args="--endpoint http://localhost:8000"
 * }</pre>
 *
 * <p>On the embedded server the model is {@link ColorClassifier}, which recovers the class each
 * synthetic image was drawn as, so the printed top-1 equals the drawn class. On a real Triton the
 * model is DenseNet-121 and the classes are ImageNet's (look them up in {@code
 * densenet_labels.txt}); stripes of colour are not ImageNet objects, so expect odd but
 * deterministic answers.
 *
 * <p>The job: {@code fromSequence} → draw a {@link RawImage}, stamped with its ingest time →
 * preprocess into an {@link ImageRequest} → {@code TritonInference}, whose {@code (image, scores)
 * -> …} function keeps the top 5 in a small {@link Classification} → stamp the time it left the
 * operator → collect. With {@code max_batch_size} 0 a Flink batch of {@code --max-batch-size}
 * images becomes that many concurrent requests. Latency is per record, between the two stamps, and
 * includes preprocessing.
 */
public final class ImageClassificationJob {
    /** How many classes each result keeps. */
    public static final int TOP_K = 5;

    private ImageClassificationJob() {}

    /** The sample's defaults: 500 images, batches of 8. */
    public static SampleOptions.Builder defaults() {
        return SampleOptions.defaults(ColorClassifier.NAME).records(500).maxBatchSize(8);
    }

    /**
     * Runs the sample; {@code --help} lists the options. Exits with 2 for a wrong command line and
     * with 1 when the job fails, printing the root cause first (see {@link SampleMain}).
     */
    public static void main(String[] args) {
        SampleMain.main(
                ImageClassificationJob.class.getSimpleName(),
                defaults(),
                args,
                ImageClassificationJob::run);
    }

    /** Runs the sample with {@code options}, printing its results to {@code out}. */
    public static void run(SampleOptions options, PrintStream out) throws Exception {
        try (SampleServer server = SampleServer.start(options, ColorClassifier::embedded)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            SampleRun.execute(
                    "flink-triton sample: image classification",
                    pipeline(env, server.endpoint(), options),
                    server,
                    options,
                    Comparator.comparingLong(result -> result.id),
                    out);
        }
    }

    /** The job's graph, ending in the top-5 classes per image. */
    public static DataStream<Classification> pipeline(
            StreamExecutionEnvironment env, String endpoint, SampleOptions options) {
        env.setParallelism(options.parallelism());
        DataStream<ImageRequest> images =
                SampleSources.ids(env, options)
                        .map(id -> SyntheticImages.generate(id, Micros.now()))
                        .returns(RawImage.class)
                        .name("draw images")
                        .map(ImageRequest::preprocess)
                        .returns(ImageRequest.class)
                        .name("preprocess");
        return TritonInference.builder(ImageRequest.class, ClassScores.class)
                .endpoint(endpoint)
                .model(options.model())
                .maxBatchSize(options.maxBatchSize())
                .maxBatchDelay(options.maxBatchDelay())
                .batchTimeout(options.batchTimeout())
                .capacity(options.capacity())
                .uid("image-classification") // savepoints restore its state by it
                .build()
                .apply(
                        images,
                        (image, scores) -> Classification.of(image, scores, TOP_K),
                        Classification.class)
                .map(
                        result -> {
                            result.doneMicros = Micros.now();
                            return result;
                        })
                .returns(Classification.class)
                .name("stamp latency");
    }
}
