package org.flinktriton.table;

import java.io.Serializable;
import java.util.Set;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

/**
 * The {@code OUTPUT} column named by {@code response-index-column}: not a tensor, but where each
 * row ML_PREDICT returns for a decoupled model says which of its input row's responses it is (0, 1,
 * …), so that SQL can order or deduplicate them.
 */
final class ResponseIndexColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final ResponseIndexColumn NONE = new ResponseIndexColumn(null, -1, false);

    private final String column;
    private final int index;
    private final boolean bigint;

    private ResponseIndexColumn(String column, int index, boolean bigint) {
        this.column = column;
        this.index = index;
        this.bigint = bigint;
    }

    /**
     * Finds the column in the model's {@code OUTPUT} schema and checks it.
     *
     * @param errorColumns the names of the error columns, which it may not be
     * @throws ValidationException for a column the schema lacks, of a type other than INT or
     *     BIGINT, or that is also an error column
     */
    static ResponseIndexColumn of(
            ModelSettings settings, RowType outputType, Set<String> errorColumns) {
        String name = settings.responseIndexColumn;
        if (name == null) {
            return NONE;
        }
        int index = outputType.getFieldIndex(name);
        if (index < 0) {
            throw new ValidationException(
                    "'response-index-column' = '"
                            + name
                            + "' names no OUTPUT column; add `"
                            + name
                            + "` INT (or BIGINT) to the model's OUTPUT, whose columns are "
                            + outputType.getFieldNames());
        }
        if (errorColumns.contains(name)) {
            throw new ValidationException(
                    "'response-index-column' and an error column both name column `"
                            + name
                            + "`; give each its own OUTPUT column");
        }
        LogicalType type = outputType.getTypeAt(index);
        LogicalTypeRoot root = type.getTypeRoot();
        if (root != LogicalTypeRoot.INTEGER && root != LogicalTypeRoot.BIGINT) {
            throw new ValidationException(
                    "'response-index-column' names OUTPUT column `"
                            + name
                            + "` "
                            + type.asSummaryString()
                            + "; declare it as INT or BIGINT (it receives the response's index,"
                            + " from 0; it is not a tensor)");
        }
        return new ResponseIndexColumn(name, index, root == LogicalTypeRoot.BIGINT);
    }

    /** Whether {@code response-index-column} is set. */
    boolean isSet() {
        return column != null;
    }

    /** The column's name, for leaving it out of the tensors; null when not set. */
    String name() {
        return column;
    }

    /** Writes the response's index into {@code row}. */
    void fill(GenericRowData row, int responseIndex) {
        if (index >= 0) {
            row.setField(index, bigint ? (Object) (long) responseIndex : (Object) responseIndex);
        }
    }
}
