package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.ModelRequest;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TritonTestServer;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The statements of the README of Apache Flink's {@code flink-model-triton} ({@link
 * ReadmeStatements}: STRING → STRING, ARRAY&lt;FLOAT&gt; → ARRAY&lt;FLOAT&gt;, ARRAY&lt;DOUBLE&gt;
 * → FLOAT and → DOUBLE, STRING → ARRAY&lt;FLOAT&gt;) give the same answer for every row through
 * {@code 'provider' = 'triton'} and {@code 'provider' = 'flink-triton'}, against one {@link
 * TritonTestServer} with a model of each README name.
 *
 * <p>Each provider runs in its own JVM ({@link ReadmeModelsJob}) whose class path is a Flink
 * distribution's {@code lib/} plus that provider's jar alone: Flink's {@code
 * flink-model-triton-2.3.0.jar} <b>patched with the two fixes of Flink's master</b> ({@link
 * FlinkModelTritonPatch}: the inverted schema check flipped, the {@code compressionBuffer} field
 * made transient; without them the 2.3.0 release runs no ML_PREDICT at all), or our {@code -sql}
 * jar.
 *
 * <p>Runs in {@code verify}, after {@code package} built the {@code -sql} jar (failsafe).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SameAnswersAsFlinkTritonIT {
    private static TritonTestServer server;

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(textClassification())
                        .model(resnet50())
                        .model(linearRegression())
                        .model(embedding())
                        .model(regression())
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    // The models, each named as in the README. Their provider sends a STRING as shape [1] without
    // a batch dimension, so the text models take none (max_batch_size 0); an ARRAY goes as
    // [1, n], which the batching models take as one row.

    private static TestModel textClassification() {
        return TestModel.builder("text-classification")
                .maxBatchSize(0)
                .input("INPUT", TritonDataType.BYTES, 1)
                .output("OUTPUT", TritonDataType.BYTES, 1)
                .handler(
                        request -> {
                            String[] texts = request.input("INPUT").toStrings();
                            String[] labels = new String[texts.length];
                            for (int i = 0; i < texts.length; i++) {
                                labels[i] = label(texts[i]);
                            }
                            return List.of(
                                    Tensor.ofStrings(
                                            "OUTPUT", request.outputShape("OUTPUT"), labels));
                        })
                .build();
    }

    private static String label(String text) {
        return (text.contains("great") ? "POSITIVE" : "NEGATIVE") + ":" + text.length();
    }

    private static TestModel resnet50() {
        return TestModel.builder("resnet50")
                .maxBatchSize(8)
                .input("IMAGE_DATA", TritonDataType.FP32, 4)
                .output("PREDICTIONS", TritonDataType.FP32, 3)
                .handler(
                        request -> {
                            float[] pixels = request.input("IMAGE_DATA").toFloats();
                            float[] out = new float[pixels.length / 4 * 3];
                            for (int r = 0; r < pixels.length / 4; r++) {
                                float[] p = Arrays.copyOfRange(pixels, 4 * r, 4 * r + 4);
                                System.arraycopy(predictions(p), 0, out, 3 * r, 3);
                            }
                            return List.of(
                                    Tensor.ofFloats(
                                            "PREDICTIONS",
                                            TritonDataType.FP32,
                                            request.outputShape("PREDICTIONS"),
                                            out));
                        })
                .build();
    }

    private static float[] predictions(float[] p) {
        return new float[] {
            p[0] + p[1] + p[2] + p[3],
            Math.max(Math.max(p[0], p[1]), Math.max(p[2], p[3])),
            p[0] * p[1]
        };
    }

    private static TestModel linearRegression() {
        return TestModel.builder("linear-regression")
                .maxBatchSize(8)
                .input("FEATURES", TritonDataType.FP64, 3)
                .output("SCORE", TritonDataType.FP32, 1)
                .handler(
                        request -> {
                            double[] x = request.input("FEATURES").toDoubles();
                            float[] scores = new float[x.length / 3];
                            for (int r = 0; r < scores.length; r++) {
                                scores[r] = (float) linear(x, 3 * r);
                            }
                            return List.of(
                                    Tensor.ofFloats(
                                            "SCORE",
                                            TritonDataType.FP32,
                                            request.outputShape("SCORE"),
                                            scores));
                        })
                .build();
    }

    private static double linear(double[] x, int at) {
        return 0.5 * x[at] - 2 * x[at + 1] + x[at + 2] + 0.1;
    }

    private static TestModel embedding() {
        return TestModel.builder("embedding")
                .maxBatchSize(0)
                .input("TEXT", TritonDataType.BYTES, 1)
                .output("EMBEDDING", TritonDataType.FP32, 4)
                .handler(
                        request -> {
                            String text = request.input("TEXT").toStrings()[0];
                            return List.of(
                                    Tensor.ofFloats(
                                            "EMBEDDING",
                                            TritonDataType.FP32,
                                            request.outputShape("EMBEDDING"),
                                            embed(text)));
                        })
                .build();
    }

    private static float[] embed(String text) {
        return new float[] {
            text.length(), text.chars().filter(c -> c == 'e').count(), text.charAt(0), 0.5f
        };
    }

    private static TestModel regression() {
        return TestModel.builder("regression")
                .maxBatchSize(8)
                .input("FEATURES", TritonDataType.FP64, 3)
                .output("PREDICTION", TritonDataType.FP64, 1)
                .handler(SameAnswersAsFlinkTritonIT::predict)
                .build();
    }

    private static List<Tensor> predict(ModelRequest request) {
        double[] x = request.input("FEATURES").toDoubles();
        double[] predictions = new double[x.length / 3];
        for (int r = 0; r < predictions.length; r++) {
            predictions[r] = linear(x, 3 * r);
        }
        return List.of(
                Tensor.ofDoubles("PREDICTION", request.outputShape("PREDICTION"), predictions));
    }

    /** The answer each README model gives for row {@code id}, as the job prints it. */
    private static String expected(String model, int id) {
        switch (model) {
            case "my_triton_model":
                return label(ReadmeStatements.text(id));
            case "image_classifier":
                return Arrays.toString(predictions(ReadmeStatements.floats(id)));
            case "numeric_model":
                return String.valueOf((float) linear(ReadmeStatements.doubles(id), 0));
            case "embedding_model":
                return Arrays.toString(embed(ReadmeStatements.text(id)));
            case "regression_model":
                return String.valueOf(linear(ReadmeStatements.doubles(id), 0));
            default:
                throw new IllegalArgumentException(model);
        }
    }

    @Test
    void everyReadmeStatementAnswersEveryRowAsFlinksProviderDoes(@TempDir Path lib)
            throws Exception {
        Path theirs = Path.of(FlinkJvm.property("flinktriton.flinkModelTritonJar"));
        assertThat(theirs).as("copied by maven-dependency-plugin before this test").exists();
        Path patched = lib.resolve(theirs.getFileName().toString());
        FlinkModelTritonPatch.write(theirs, patched);
        Path ours = Path.of(FlinkJvm.property("flinktriton.sqlJar"));
        assertThat(ours).as("the -sql jar, built by `package` before this test").exists();

        Map<String, Map<Integer, String>> theirAnswers = run("triton", patched, lib);
        Map<String, Long> theirRequests = requestsPerModel();
        server.stats().reset();
        Map<String, Map<Integer, String>> ourAnswers = run("flink-triton", ours, lib);
        Map<String, Long> ourRequests = requestsPerModel();

        for (ReadmeStatements.Statement statement : ReadmeStatements.STATEMENTS) {
            Map<Integer, String> expected = new TreeMap<>();
            for (int id = 0; id < ReadmeStatements.ROWS; id++) {
                expected.put(id, expected(statement.model, id));
            }
            assertThat(theirAnswers.get(statement.model))
                    .as("'provider' = 'triton' (2.3.0, patched), %s", statement.model)
                    .isEqualTo(expected);
            assertThat(ourAnswers.get(statement.model))
                    .as("'provider' = 'flink-triton', %s", statement.model)
                    .isEqualTo(theirAnswers.get(statement.model));
            assertThat(theirRequests.get(statement.serverModel))
                    .as("theirs: one request per row, %s", statement.serverModel)
                    .isEqualTo(ReadmeStatements.ROWS);
        }
        // Ours batches the rows of models that take a batch dimension.
        for (String batching : List.of("resnet50", "linear-regression", "regression")) {
            assertThat(ourRequests.get(batching))
                    .as(
                            "ours: %s requests for %s rows of %s",
                            ourRequests, ReadmeStatements.ROWS, batching)
                    .isLessThan(ReadmeStatements.ROWS);
        }
    }

    private static Map<String, Long> requestsPerModel() {
        Map<String, Long> requests = new TreeMap<>();
        for (ReadmeStatements.Statement statement : ReadmeStatements.STATEMENTS) {
            requests.put(
                    statement.serverModel, server.stats().inferRequests(statement.serverModel));
        }
        return requests;
    }

    /** Runs {@link ReadmeModelsJob} in a JVM of Flink's class path and {@code jar}; its answers. */
    private static Map<String, Map<Integer, String>> run(String provider, Path jar, Path dir)
            throws Exception {
        String text =
                FlinkJvm.run(
                        provider,
                        List.of(jar.toString()),
                        dir.resolve(provider + ".out"),
                        ReadmeModelsJob.class,
                        server.endpoint(),
                        provider);
        assertThat(text).as("%s:%n%s", provider, text).contains("DONE").doesNotContain("FAILED|");
        Map<String, Map<Integer, String>> answers = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.split("\\|", -1);
            if (fields[0].equals("ROW")) {
                answers.computeIfAbsent(fields[1], model -> new TreeMap<>())
                        .put(Integer.parseInt(fields[2]), fields[3]);
            }
        }
        return answers;
    }
}
