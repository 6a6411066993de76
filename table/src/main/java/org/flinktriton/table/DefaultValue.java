package org.flinktriton.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/**
 * {@code default-value}, the option of Flink's own Triton provider: the value the one output column
 * of a row whose inference failed gets instead of failing the job. In its format: plain text for a
 * {@code STRING}, the number for a numeric column, {@code true}/{@code false}, a JSON array for an
 * {@code ARRAY} of those, and {@code null} (lower-case) for SQL NULL. Checked when the query is
 * planned; the column's internal value is built again in each task ({@link #fill}).
 */
final class DefaultValue implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final DefaultValue NONE = new DefaultValue(null, -1, null);

    /** Null: no {@code default-value}. */
    private final String text;

    private final int index;
    private final LogicalType type;

    /** The parsed value in a one-element array, once built: rows fail on several threads. */
    private transient volatile Object[] parsed;

    private DefaultValue(String text, int index, LogicalType type) {
        this.text = text;
        this.index = index;
        this.type = type;
    }

    static DefaultValue none() {
        return NONE;
    }

    /**
     * Checks {@code text} against the model's one output column (the {@code OUTPUT} columns but the
     * error columns).
     *
     * @throws ValidationException for several output columns, or a value the column cannot hold
     */
    static DefaultValue of(String text, RowType outputType, Set<String> errorColumns) {
        if (text == null) {
            return NONE;
        }
        List<Integer> outputs = new ArrayList<>();
        for (int i = 0; i < outputType.getFieldCount(); i++) {
            if (!errorColumns.contains(outputType.getFieldNames().get(i))) {
                outputs.add(i);
            }
        }
        if (outputs.size() != 1) {
            throw new ValidationException(
                    "'default-value' fills the one OUTPUT column of a model, as in Flink's Triton"
                            + " provider; this model has "
                            + outputs.size()
                            + " ("
                            + outputType.getFieldNames()
                            + "): leave the option out and write COALESCE(<column>, <default>)"
                            + " for each column in the query, with 'error-handling' = 'ignore'");
        }
        int index = outputs.get(0);
        DefaultValue value = new DefaultValue(text, index, outputType.getTypeAt(index));
        try {
            value.value();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "'default-value' = '"
                            + text
                            + "' does not fit output column `"
                            + outputType.getFieldNames().get(index)
                            + "` "
                            + value.type.asSummaryString()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        return value;
    }

    boolean isSet() {
        return text != null;
    }

    /** Writes the default into a failed row's output column. */
    void fill(GenericRowData row) {
        if (text != null) {
            row.setField(index, value());
        }
    }

    private Object value() {
        Object[] cell = parsed;
        if (cell == null) {
            cell = new Object[] {text.equals("null") ? null : parse(text, type)};
            parsed = cell;
        }
        return cell[0];
    }

    private static Object parse(String text, LogicalType type) {
        switch (type.getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                return StringData.fromString(text);
            case ARRAY:
                return array(text, ((ArrayType) type).getElementType());
            default:
                return scalar(text.strip(), type);
        }
    }

    private static Object scalar(String text, LogicalType type) {
        try {
            switch (type.getTypeRoot()) {
                case BOOLEAN:
                    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException("expected true or false");
                    }
                    return Boolean.parseBoolean(text);
                case TINYINT:
                    return Byte.parseByte(text);
                case SMALLINT:
                    return Short.parseShort(text);
                case INTEGER:
                    return Integer.parseInt(text);
                case BIGINT:
                    return Long.parseLong(text);
                case FLOAT:
                    return Float.parseFloat(text);
                case DOUBLE:
                    return Double.parseDouble(text);
                default:
                    throw new IllegalArgumentException(
                            "a default for this type is not supported; use 'error-handling' ="
                                    + " 'ignore' and COALESCE in the query");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number of that type");
        }
    }

    private static GenericArrayData array(String text, LogicalType element) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("expected a JSON array such as [0.0, 0.0]");
        }
        if (json == null || !json.isArray()) {
            throw new IllegalArgumentException("expected a JSON array such as [0.0, 0.0]");
        }
        Object[] items = new Object[json.size()];
        for (int i = 0; i < items.length; i++) {
            JsonNode item = json.get(i);
            if (item.isNull()) {
                items[i] = null;
            } else if (item.isContainerNode()) {
                throw new IllegalArgumentException("element " + i + " is not a single value");
            } else {
                items[i] = parse(item.asText(), element);
            }
        }
        return new GenericArrayData(items);
    }
}
