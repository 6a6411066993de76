package org.flinktriton.table;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;

/**
 * One column of a model's {@code INPUT} or {@code OUTPUT} schema bound to one tensor: the tensor's
 * spec (its datatype from the model's metadata, its per-row shape without the batch dimension) and
 * how the column's values lay out on it.
 *
 * <ul>
 *   <li>{@link Layout#SCALAR}: a column that is not an array fills a tensor of one element per row
 *       ({@code []}, {@code [1]}, or variable dimensions that become 1).
 *   <li>{@link Layout#NESTED}: {@code ARRAY} nesting as deep as the tensor's rank, one level per
 *       dimension.
 *   <li>{@link Layout#FLAT}: a flat {@code ARRAY} carrying a tensor of rank 2 or more in row-major
 *       order, with at most one variable dimension.
 * </ul>
 */
final class ColumnBinding {
    enum Layout {
        SCALAR,
        NESTED,
        FLAT
    }

    final int index;
    final String column;
    final LogicalType type;
    final LogicalType elementType;
    final int depth;
    final TensorSpec spec;
    final Layout layout;

    private ColumnBinding(
            int index,
            String column,
            LogicalType type,
            LogicalType elementType,
            int depth,
            TensorSpec spec,
            Layout layout) {
        this.index = index;
        this.column = column;
        this.type = type;
        this.elementType = elementType;
        this.depth = depth;
        this.spec = spec;
        this.layout = layout;
    }

    /** The innermost element type of {@code type}: itself when it is not an array. */
    static LogicalType elementType(LogicalType type) {
        LogicalType element = type;
        while (element instanceof ArrayType) {
            element = ((ArrayType) element).getElementType();
        }
        return element;
    }

    /** How many {@code ARRAY} levels wrap the element type. */
    static int depth(LogicalType type) {
        int depth = 0;
        for (LogicalType t = type; t instanceof ArrayType; t = ((ArrayType) t).getElementType()) {
            depth++;
        }
        return depth;
    }

    /** The Triton datatypes an element type can carry; empty when it can carry none. */
    static Set<TritonDataType> datatypesFor(LogicalTypeRoot root) {
        switch (root) {
            case BOOLEAN:
                return EnumSet.of(TritonDataType.BOOL);
            case TINYINT:
                return EnumSet.of(TritonDataType.INT8, TritonDataType.UINT8);
            case SMALLINT:
                return EnumSet.of(TritonDataType.INT16, TritonDataType.UINT16);
            case INTEGER:
                return EnumSet.of(TritonDataType.INT32, TritonDataType.UINT32);
            case BIGINT:
                return EnumSet.of(TritonDataType.INT64, TritonDataType.UINT64);
            case FLOAT:
                return EnumSet.of(TritonDataType.FP32, TritonDataType.FP16, TritonDataType.BF16);
            case DOUBLE:
                return EnumSet.of(TritonDataType.FP64);
            case CHAR:
            case VARCHAR:
            case BINARY:
            case VARBINARY:
                return EnumSet.of(TritonDataType.BYTES);
            default:
                return EnumSet.noneOf(TritonDataType.class);
        }
    }

    /** The SQL type that carries a datatype, for hints. */
    static String sqlTypeFor(TritonDataType datatype) {
        switch (datatype) {
            case BOOL:
                return "BOOLEAN";
            case INT8:
            case UINT8:
                return "TINYINT";
            case INT16:
            case UINT16:
                return "SMALLINT";
            case INT32:
            case UINT32:
                return "INT";
            case INT64:
            case UINT64:
                return "BIGINT";
            case FP16:
            case BF16:
            case FP32:
                return "FLOAT";
            case FP64:
                return "DOUBLE";
            case BYTES:
                return "STRING or BYTES";
            default:
                return "(none)";
        }
    }

    /**
     * Binds {@code column} of {@code type} to a tensor of {@code datatype} whose per-row shape is
     * {@code dims} (without the batch dimension), or returns the reason it cannot as a sentence
     * fragment in {@code problem[0]}.
     */
    static ColumnBinding bind(
            int index,
            String column,
            LogicalType type,
            String tensor,
            String datatypeName,
            long[] dims,
            boolean output,
            String[] problem) {
        LogicalType element = elementType(type);
        int depth = depth(type);
        Set<TritonDataType> carried = datatypesFor(element.getTypeRoot());
        if (carried.isEmpty()) {
            problem[0] =
                    "the SQL type "
                            + element.asSummaryString()
                            + " maps to no Triton datatype; use BOOLEAN, TINYINT, SMALLINT, INT,"
                            + " BIGINT, FLOAT, DOUBLE, STRING or BYTES (or ARRAYs of them)";
            return null;
        }
        TritonDataType datatype;
        try {
            datatype = TritonDataType.valueOf(datatypeName);
        } catch (IllegalArgumentException e) {
            datatype = null;
        }
        if (datatype == null || datatype == TritonDataType.AUTO) {
            problem[0] = "the model's datatype '" + datatypeName + "' is not a Triton datatype";
            return null;
        }
        if (!carried.contains(datatype)) {
            problem[0] =
                    element.asSummaryString()
                            + " cannot carry "
                            + datatype
                            + "; declare the column as "
                            + (depth == 0 ? "" : "ARRAY<".repeat(depth))
                            + sqlTypeFor(datatype)
                            + (depth == 0 ? "" : ">".repeat(depth));
            return null;
        }
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < -1 || dims[i] == 0 || dims[i] > Integer.MAX_VALUE) {
                problem[0] = "the model's shape " + Arrays.toString(dims) + " is not usable";
                return null;
            }
            shape[i] = (int) dims[i];
        }
        Layout layout;
        if (depth == 0) {
            for (int dim : shape) {
                if (dim > 1) {
                    problem[0] =
                            "a column that is not an ARRAY holds one value, but the tensor's"
                                    + " per-row shape is "
                                    + Arrays.toString(shape)
                                    + "; declare the column as "
                                    + "ARRAY<".repeat(Math.max(shape.length, 1))
                                    + element.asSummaryString()
                                    + ">".repeat(Math.max(shape.length, 1))
                                    + (shape.length > 1 ? " or a flat ARRAY (row-major)" : "");
                    return null;
                }
            }
            layout = Layout.SCALAR;
            if (output && shape.length == 0) {
                shape = new int[] {1}; // a per-row scalar reported with dims [] reads as [1]
            }
        } else if (depth == shape.length) {
            layout = Layout.NESTED;
        } else if (depth == 1 && shape.length > 1) {
            int variable = 0;
            for (int dim : shape) {
                variable += dim == -1 ? 1 : 0;
            }
            if (variable > 1) {
                problem[0] =
                        "a flat ARRAY cannot carry per-row shape "
                                + Arrays.toString(shape)
                                + ", which has more than one variable dimension; nest the ARRAY "
                                + shape.length
                                + " deep";
                return null;
            }
            layout = Layout.FLAT;
        } else {
            problem[0] =
                    "the column's "
                            + depth
                            + " ARRAY level"
                            + (depth == 1 ? "" : "s")
                            + " do not fit the tensor's per-row shape "
                            + Arrays.toString(shape)
                            + " (rank "
                            + shape.length
                            + "); use "
                            + (shape.length == 0
                                    ? "a column that is not an ARRAY"
                                    : "ARRAY nesting "
                                            + shape.length
                                            + " deep, or one flat ARRAY (row-major)");
            return null;
        }
        return new ColumnBinding(
                index,
                column,
                type,
                element,
                depth,
                TensorSpec.of(tensor, datatype, shape),
                layout);
    }

    boolean isText() {
        LogicalTypeRoot root = elementType.getTypeRoot();
        return root == LogicalTypeRoot.CHAR || root == LogicalTypeRoot.VARCHAR;
    }

    @Override
    public String toString() {
        return "`" + column + "` " + type.asSummaryString() + " -> " + spec;
    }
}
