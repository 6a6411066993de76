package org.flinktriton.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code CREATE MODEL} statements of the README of Apache Flink's {@code flink-model-triton}
 * module (its usage examples and its type-mapping examples), each with rows to send and the answer
 * the test models give. JDK types only: {@link ReadmeModelsJob} runs them in a JVM that has Flink
 * and one provider on its class path, and nothing else of ours.
 *
 * <p>Two adaptations, the same for both providers: the README declares columns as {@code CREATE
 * MODEL m (input STRING, output STRING)}, which Flink's grammar does not accept, so they become
 * {@code INPUT (input STRING) OUTPUT (output STRING)}; and the {@code ...} of its type-mapping
 * examples becomes the endpoint and a model name. For {@code 'provider' = 'triton'} (the 2.3.0
 * release) two more, where that release cannot run the statement as written: it refuses {@code
 * 'max-retries'} ("Unsupported options"), which is dropped, and it puts {@code 'latest'} (its
 * default version) into the URL, which Triton answers with 404, so it is given version {@code 1}.
 */
final class ReadmeStatements {
    static final int ROWS = 40;

    /** One statement: its SQL names, its model on the server, and its rows. */
    static final class Statement {
        final String model;
        final String serverModel;
        final String inputColumn;
        final String inputType;
        final String outputColumn;
        final String outputType;

        /** The README's options after 'provider', with {@code %s} for the endpoint. */
        final String options;

        Statement(
                String model,
                String serverModel,
                String inputColumn,
                String inputType,
                String outputColumn,
                String outputType,
                String options) {
            this.model = model;
            this.serverModel = serverModel;
            this.inputColumn = inputColumn;
            this.inputType = inputType;
            this.outputColumn = outputColumn;
            this.outputType = outputType;
            this.options = options;
        }

        /** The statement for {@code provider}, against the server at {@code endpoint}. */
        String createModel(String provider, String endpoint) {
            String with = String.format(Locale.ROOT, options, endpoint);
            if (provider.equals("triton")) {
                with = with.replace(", 'max-retries' = '5'", "");
                if (with.contains("'model-version' = 'latest'")) {
                    with = with.replace("'model-version' = 'latest'", "'model-version' = '1'");
                } else if (!with.contains("'model-version'")) {
                    with += ", 'model-version' = '1'";
                }
            }
            return "CREATE TEMPORARY MODEL "
                    + model
                    + " INPUT (`"
                    + inputColumn
                    + "` "
                    + inputType
                    + ") OUTPUT (`"
                    + outputColumn
                    + "` "
                    + outputType
                    + ") WITH ('provider' = '"
                    + provider
                    + "', "
                    + with
                    + ")";
        }

        /** A view {@code <model>_rows(id, <input column>)} of {@link #ROWS} rows. */
        String createView() {
            StringBuilder values = new StringBuilder();
            for (int id = 0; id < ROWS; id++) {
                values.append(id == 0 ? "" : ", ")
                        .append("(")
                        .append(id)
                        .append(", ")
                        .append(inputLiteral(id))
                        .append(")");
            }
            return "CREATE TEMPORARY VIEW "
                    + model
                    + "_rows AS SELECT * FROM (VALUES "
                    + values
                    + ") AS t(id, `"
                    + inputColumn
                    + "`)";
        }

        String query() {
            return "SELECT id, `"
                    + outputColumn
                    + "` FROM ML_PREDICT(TABLE "
                    + model
                    + "_rows, MODEL "
                    + model
                    + ", DESCRIPTOR(`"
                    + inputColumn
                    + "`))";
        }

        private String inputLiteral(int id) {
            switch (inputType) {
                case "STRING":
                    return "'" + text(id) + "'";
                case "ARRAY<FLOAT>":
                    return array(floats(id), "FLOAT");
                case "ARRAY<DOUBLE>":
                    return array(doubles(id), "DOUBLE");
                default:
                    throw new IllegalStateException(inputType);
            }
        }
    }

    /** Usage examples, then type-mapping examples, in the README's order. */
    static final List<Statement> STATEMENTS =
            List.of(
                    new Statement(
                            "my_triton_model",
                            "text-classification",
                            "input",
                            "STRING",
                            "output",
                            "STRING",
                            "'endpoint' = '%s/v2/models', 'model-name' = 'text-classification',"
                                    + " 'model-version' = '1', 'timeout' = '10000',"
                                    + " 'max-retries' = '5'"),
                    new Statement(
                            "image_classifier",
                            "resnet50",
                            "image_data",
                            "ARRAY<FLOAT>",
                            "predictions",
                            "ARRAY<FLOAT>",
                            "'endpoint' = '%s/v2/models', 'model-name' = 'resnet50',"
                                    + " 'model-version' = '1'"),
                    new Statement(
                            "numeric_model",
                            "linear-regression",
                            "features",
                            "ARRAY<DOUBLE>",
                            "score",
                            "FLOAT",
                            "'endpoint' = '%s/v2/models', 'model-name' = 'linear-regression',"
                                    + " 'model-version' = 'latest'"),
                    new Statement(
                            "embedding_model",
                            "embedding",
                            "text",
                            "STRING",
                            "embedding",
                            "ARRAY<FLOAT>",
                            "'endpoint' = '%s', 'model-name' = 'embedding'"),
                    new Statement(
                            "regression_model",
                            "regression",
                            "features",
                            "ARRAY<DOUBLE>",
                            "prediction",
                            "DOUBLE",
                            "'endpoint' = '%s', 'model-name' = 'regression'"));

    private ReadmeStatements() {}

    static String text(int id) {
        return "review " + id + (id % 3 == 0 ? " was great" : " was poor");
    }

    static float[] floats(int id) {
        return new float[] {id * 0.5f, id + 0.25f, -id, 1.0f / (id + 1)};
    }

    static double[] doubles(int id) {
        return new double[] {id * 0.1, id - 3.5, 1.0 / (id + 2)};
    }

    private static String array(float[] values, String type) {
        List<String> items = new ArrayList<>();
        for (float value : values) {
            items.add("CAST(" + Float.toString(value) + " AS " + type + ")");
        }
        return "ARRAY[" + String.join(", ", items) + "]";
    }

    private static String array(double[] values, String type) {
        List<String> items = new ArrayList<>();
        for (double value : values) {
            items.add("CAST(" + Double.toString(value) + " AS " + type + ")");
        }
        return "ARRAY[" + String.join(", ", items) + "]";
    }
}
