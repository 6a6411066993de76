package org.flinktriton.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.flinktriton.client.TritonModelInfo;

/**
 * The columns of a model's {@code INPUT} and {@code OUTPUT} schemas bound to the model's tensors,
 * by name (or through {@code input-tensor-names} / {@code output-tensor-names}); a column no tensor
 * has the exact name of binds to the tensor named as the column upper-cased, the rule of Flink's
 * own Triton provider ({@link #candidates}). {@link #bind} checks every column against the model's
 * metadata and reports every mismatch at once: a tensor the model lacks, a required input no column
 * feeds, a SQL type that cannot carry the tensor's datatype, and an {@code ARRAY} nesting that does
 * not fit the tensor's shape. The error columns ({@code error-status-column}, {@code
 * error-message-column}) are no tensors and stay unbound.
 */
final class SchemaBinding {
    final List<ColumnBinding> inputs;
    final List<ColumnBinding> outputs;

    private SchemaBinding(List<ColumnBinding> inputs, List<ColumnBinding> outputs) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /**
     * Binds the columns to the model's tensors.
     *
     * @throws TritonModelSchemaException listing every mismatch
     */
    static SchemaBinding bind(
            String modelName,
            TritonModelInfo info,
            RowType inputType,
            RowType outputType,
            Map<String, String> inputNames,
            Map<String, String> outputNames,
            Set<String> errorColumns) {
        List<String> mismatches = new ArrayList<>();
        Set<String> fed = new HashSet<>();
        List<ColumnBinding> inputs =
                bindAll(
                        "input",
                        info,
                        inputType,
                        inputNames,
                        Set.of(),
                        info.inputs(),
                        fed,
                        mismatches);
        List<ColumnBinding> outputs =
                bindAll(
                        "output",
                        info,
                        outputType,
                        outputNames,
                        errorColumns,
                        info.outputs(),
                        new HashSet<>(),
                        mismatches);
        for (TritonModelInfo.Tensor tensor : info.inputs()) {
            if (!fed.contains(tensor.name())) {
                mismatches.add(
                        "the model requires input tensor '"
                                + tensor.name()
                                + "' ("
                                + tensor.datatype()
                                + " "
                                + Arrays.toString(tensor.shape())
                                + "), which no INPUT column feeds; add a column `"
                                + tensor.name()
                                + "` or map one onto it with 'input-tensor-names'");
            }
        }
        checkMapping("input-tensor-names", inputNames, inputType, mismatches);
        checkMapping("output-tensor-names", outputNames, outputType, mismatches);
        if (!mismatches.isEmpty()) {
            throw new TritonModelSchemaException(modelName, mismatches);
        }
        return new SchemaBinding(inputs, outputs);
    }

    private static List<ColumnBinding> bindAll(
            String role,
            TritonModelInfo info,
            RowType rowType,
            Map<String, String> names,
            Set<String> skipped,
            List<TritonModelInfo.Tensor> tensors,
            Set<String> found,
            List<String> mismatches) {
        List<ColumnBinding> bindings = new ArrayList<>();
        List<String> columns = rowType.getFieldNames();
        for (int i = 0; i < columns.size(); i++) {
            String column = columns.get(i);
            if (skipped.contains(column)) {
                continue;
            }
            LogicalType type = rowType.getTypeAt(i);
            List<String> tried = candidates(column, names);
            Optional<TritonModelInfo.Tensor> match = Optional.empty();
            for (String candidate : tried) {
                match = tensors.stream().filter(t -> t.name().equals(candidate)).findFirst();
                if (match.isPresent()) {
                    break;
                }
            }
            String tensorName = match.map(TritonModelInfo.Tensor::name).orElse(tried.get(0));
            String subject =
                    role + " column `" + column + "` " + type.asSummaryString() + " -> tensor '";
            if (match.isEmpty()) {
                mismatches.add(
                        role
                                + " column `"
                                + column
                                + "` "
                                + type.asSummaryString()
                                + ": the model has no "
                                + role
                                + " tensor named "
                                + quoted(tried)
                                + "; its "
                                + role
                                + "s are "
                                + describe(tensors)
                                + " (rename the column, or map it with '"
                                + role
                                + "-tensor-names')");
                continue;
            }
            found.add(tensorName);
            TritonModelInfo.Tensor tensor = match.get();
            subject +=
                    tensorName
                            + "' ("
                            + tensor.datatype()
                            + " "
                            + Arrays.toString(tensor.shape())
                            + ")";
            long[] shape = tensor.shape();
            long[] perRow;
            if (info.batched()) {
                if (shape.length == 0 || shape[0] != -1) {
                    mismatches.add(
                            subject
                                    + ": the model batches (max_batch_size "
                                    + info.maxBatchSize()
                                    + ") but the tensor's shape has no leading batch dimension -1");
                    continue;
                }
                perRow = Arrays.copyOfRange(shape, 1, shape.length);
            } else {
                perRow = shape;
            }
            String[] problem = new String[1];
            ColumnBinding binding =
                    ColumnBinding.bind(
                            i,
                            column,
                            type,
                            tensorName,
                            tensor.datatype(),
                            perRow,
                            role.equals("output"),
                            problem);
            if (binding == null) {
                mismatches.add(subject + ": " + problem[0]);
            } else {
                bindings.add(binding);
            }
        }
        return bindings;
    }

    /**
     * The tensor names a column may bind to, in order: the one {@code input-tensor-names} / {@code
     * output-tensor-names} maps it to (alone), else its own name and then its name upper-cased, the
     * name Flink's Triton provider sends for it ({@code input STRING} → tensor {@code INPUT}).
     */
    static List<String> candidates(String column, Map<String, String> names) {
        String mapped = names.get(column);
        if (mapped != null) {
            return List.of(mapped);
        }
        String upper = column.toUpperCase(Locale.ROOT);
        return upper.equals(column) ? List.of(column) : List.of(column, upper);
    }

    private static String quoted(List<String> names) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            text.append(i == 0 ? "" : " or ").append('\'').append(names.get(i)).append('\'');
        }
        return text.toString();
    }

    private static void checkMapping(
            String option, Map<String, String> names, RowType rowType, List<String> mismatches) {
        for (String column : names.keySet()) {
            if (!rowType.getFieldNames().contains(column)) {
                mismatches.add(
                        "'"
                                + option
                                + "' maps column `"
                                + column
                                + "`, which the schema does not have; its columns are "
                                + rowType.getFieldNames());
            }
        }
    }

    private static String describe(List<TritonModelInfo.Tensor> tensors) {
        List<String> names = new ArrayList<>();
        for (TritonModelInfo.Tensor tensor : tensors) {
            names.add(
                    tensor.name()
                            + " "
                            + tensor.datatype()
                            + " "
                            + Arrays.toString(tensor.shape()));
        }
        return names.toString();
    }
}
