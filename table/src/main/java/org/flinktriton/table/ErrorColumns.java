package org.flinktriton.table;

import java.io.Serializable;
import java.util.Set;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.flinktriton.TritonServerException;
import org.flinktriton.table.TritonModelOptions.ErrorHandling;

/**
 * The {@code OUTPUT} columns named by {@code error-status-column} and {@code error-message-column}:
 * not tensors, but where a row whose inference failed says why, so that SQL can route failures
 * ({@code WHERE status IS NOT NULL}). A row that succeeded leaves them NULL.
 */
final class ErrorColumns implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The status of a failure that had no HTTP answer from the server. */
    static final int NO_HTTP_STATUS = -1;

    private static final ErrorColumns NONE = new ErrorColumns(null, -1, null, -1);

    private final String statusColumn;
    private final int statusIndex;
    private final String messageColumn;
    private final int messageIndex;

    private ErrorColumns(
            String statusColumn, int statusIndex, String messageColumn, int messageIndex) {
        this.statusColumn = statusColumn;
        this.statusIndex = statusIndex;
        this.messageColumn = messageColumn;
        this.messageIndex = messageIndex;
    }

    /**
     * Finds the error columns in the model's {@code OUTPUT} schema and checks them.
     *
     * @throws ValidationException for a column the schema lacks, of the wrong type, or set without
     *     {@code 'error-handling' = 'ignore'}
     */
    static ErrorColumns of(ModelSettings settings, RowType outputType) {
        String status = settings.errorStatusColumn;
        String message = settings.errorMessageColumn;
        if (status == null && message == null) {
            return NONE;
        }
        if (settings.errorHandling != ErrorHandling.IGNORE) {
            throw new ValidationException(
                    "'error-status-column' and 'error-message-column' need 'error-handling' ="
                            + " 'ignore': with 'fail', the first failed row fails the job and no"
                            + " row ever carries an error");
        }
        if (status != null && status.equals(message)) {
            throw new ValidationException(
                    "'error-status-column' and 'error-message-column' both name column `"
                            + status
                            + "`; give each its own OUTPUT column");
        }
        int statusIndex =
                status == null
                        ? -1
                        : index(
                                "error-status-column",
                                status,
                                outputType,
                                Set.of(LogicalTypeRoot.INTEGER),
                                "INT");
        int messageIndex =
                message == null
                        ? -1
                        : index(
                                "error-message-column",
                                message,
                                outputType,
                                Set.of(LogicalTypeRoot.VARCHAR, LogicalTypeRoot.CHAR),
                                "STRING");
        return new ErrorColumns(status, statusIndex, message, messageIndex);
    }

    private static int index(
            String option,
            String column,
            RowType outputType,
            Set<LogicalTypeRoot> roots,
            String sqlType) {
        int index = outputType.getFieldIndex(column);
        if (index < 0) {
            throw new ValidationException(
                    "'"
                            + option
                            + "' = '"
                            + column
                            + "' names no OUTPUT column; add `"
                            + column
                            + "` "
                            + sqlType
                            + " to the model's OUTPUT, whose columns are "
                            + outputType.getFieldNames());
        }
        LogicalType type = outputType.getTypeAt(index);
        if (!roots.contains(type.getTypeRoot()) || !type.isNullable()) {
            throw new ValidationException(
                    "'"
                            + option
                            + "' names OUTPUT column `"
                            + column
                            + "` "
                            + type.asSummaryString()
                            + "; declare it as "
                            + sqlType
                            + " (nullable: it is NULL for rows that succeed)");
        }
        return index;
    }

    /** The names of the error columns, for leaving them out of the tensors. */
    Set<String> names() {
        if (statusColumn != null && messageColumn != null) {
            return Set.of(statusColumn, messageColumn);
        }
        if (statusColumn != null) {
            return Set.of(statusColumn);
        }
        return messageColumn != null ? Set.of(messageColumn) : Set.of();
    }

    /** Writes why {@code row}'s inference failed into its error columns; outputs stay NULL. */
    void fill(GenericRowData row, Throwable error) {
        if (statusIndex >= 0) {
            row.setField(
                    statusIndex,
                    error instanceof TritonServerException
                            ? ((TritonServerException) error).statusCode()
                            : NO_HTTP_STATUS);
        }
        if (messageIndex >= 0) {
            String text = error.getMessage() != null ? error.getMessage() : error.toString();
            row.setField(messageIndex, StringData.fromString(text));
        }
    }
}
