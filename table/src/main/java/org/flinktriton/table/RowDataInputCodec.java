package org.flinktriton.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryArrayData;
import org.flinktriton.TritonRecordException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TensorWriter;
import org.flinktriton.codec.TritonInputCodec;

/**
 * Writes the input columns of ML_PREDICT rows as tensors, straight from {@link RowData} and {@link
 * ArrayData}: arrays of numbers go over as whole primitive arrays ({@code toFloatArray()} and
 * friends), strings as their UTF-8 bytes. Built at run time from the column bindings; stateless
 * after construction and thread-safe.
 *
 * <p>{@link #check} validates a row. The wire layer asks for every row's {@link #shape} again (once
 * to group the rows of a batch, once to encode them); a codec made {@link #forCheckedRows} answers
 * those from the tensor's declared dimensions and the arrays' lengths without validating again, for
 * a caller that has checked every row it sends, as {@link TritonPredictFunction} does in {@code
 * eval}.
 */
final class RowDataInputCodec implements TritonInputCodec<RowData> {
    private final ColumnBinding[] columns;
    private final List<TensorSpec> specs;

    /** Per input: its per-row shape when no dimension is variable, else null; when rows trusted. */
    private final int[][] fixedShapes;

    private final boolean rowsChecked;

    RowDataInputCodec(List<ColumnBinding> bindings) {
        this(bindings, false);
    }

    private RowDataInputCodec(List<ColumnBinding> bindings, boolean rowsChecked) {
        this.columns = bindings.toArray(new ColumnBinding[0]);
        List<TensorSpec> specs = new ArrayList<>();
        for (ColumnBinding binding : bindings) {
            specs.add(binding.spec);
        }
        this.specs = List.copyOf(specs);
        this.rowsChecked = rowsChecked;
        this.fixedShapes = new int[columns.length][];
        for (int i = 0; i < columns.length; i++) {
            TensorSpec spec = columns[i].spec;
            int[] dims = new int[spec.rank()];
            for (int d = 0; dims != null && d < dims.length; d++) {
                if (columns[i].layout == ColumnBinding.Layout.SCALAR) {
                    dims[d] = 1;
                } else if (spec.dim(d) == -1) {
                    dims = null;
                } else {
                    dims[d] = spec.dim(d);
                }
            }
            fixedShapes[i] = dims;
        }
    }

    /**
     * A codec for rows that have all passed {@link #check}: its {@link #shape} reads the shape
     * without validating the row again.
     */
    static RowDataInputCodec forCheckedRows(List<ColumnBinding> bindings) {
        return new RowDataInputCodec(bindings, true);
    }

    @Override
    public Class<RowData> type() {
        return RowData.class;
    }

    @Override
    public List<TensorSpec> inputs() {
        return specs;
    }

    /**
     * Checks every input of {@code row}, so that a row that cannot be sent fails on its own.
     *
     * @param scratch from {@link #newScratch()}, reused row after row by one thread
     */
    void check(RowData row, int[][] scratch) {
        for (int i = 0; i < columns.length; i++) {
            validatedShape(row, i, scratch[i]);
        }
    }

    /** One array per input for {@link #check}'s shapes, so that checking a row allocates none. */
    int[][] newScratch() {
        int[][] scratch = new int[columns.length][];
        for (int i = 0; i < columns.length; i++) {
            scratch[i] = new int[columns[i].spec.rank()];
        }
        return scratch;
    }

    @Override
    public void shape(RowData row, int input, int[] dims) {
        if (!rowsChecked) {
            validatedShape(row, input, dims);
            return;
        }
        int[] fixed = fixedShapes[input];
        if (fixed != null) {
            System.arraycopy(fixed, 0, dims, 0, dims.length);
            return;
        }
        ColumnBinding column = columns[input];
        TensorSpec spec = column.spec;
        ArrayData array = row.getArray(column.index);
        if (column.layout == ColumnBinding.Layout.FLAT) {
            long block = 1;
            int variable = -1;
            for (int d = 0; d < dims.length; d++) {
                if (spec.dim(d) == -1) {
                    variable = d;
                } else {
                    block *= spec.dim(d);
                }
                dims[d] = spec.dim(d);
            }
            dims[variable] = (int) (array.size() / block);
            return;
        }
        // NESTED, checked rectangular: each level's length is that of its first array.
        for (int d = 0; d < dims.length; d++) {
            if (array == null) { // below an empty array
                dims[d] = Math.max(spec.dim(d), 0);
                continue;
            }
            dims[d] = array.size();
            array = d + 1 < dims.length && dims[d] > 0 ? array.getArray(0) : null;
        }
    }

    /** {@link #shape}, checking that the row's value fits the tensor. */
    private void validatedShape(RowData row, int input, int[] dims) {
        ColumnBinding column = columns[input];
        if (row.isNullAt(column.index)) {
            throw new TritonRecordException(
                    "input column `"
                            + column.column
                            + "` is NULL, but tensor "
                            + column.spec
                            + " needs a value; filter such rows out or replace NULL with"
                            + " COALESCE");
        }
        TensorSpec spec = column.spec;
        switch (column.layout) {
            case SCALAR:
                Arrays.fill(dims, 1);
                return;
            case FLAT:
                flatShape(column, row.getArray(column.index), dims);
                return;
            case NESTED:
                Arrays.fill(dims, -2);
                nestedShape(column, row.getArray(column.index), 0, dims);
                for (int d = 0; d < dims.length; d++) {
                    if (dims[d] == -2) { // below an empty array
                        dims[d] = Math.max(spec.dim(d), 0);
                    }
                }
                return;
            default:
                throw new IllegalStateException(column.layout.name());
        }
    }

    private static void flatShape(ColumnBinding column, ArrayData array, int[] dims) {
        checkNoNullElements(column, array);
        TensorSpec spec = column.spec;
        int count = array.size();
        long block = 1;
        int variable = -1;
        for (int d = 0; d < spec.rank(); d++) {
            if (spec.dim(d) == -1) {
                variable = d;
            } else {
                block *= spec.dim(d);
            }
            dims[d] = spec.dim(d);
        }
        if (variable < 0 ? count != block : count % block != 0) {
            throw new TritonRecordException(
                    "input column `"
                            + column.column
                            + "` has "
                            + count
                            + " elements, but tensor "
                            + spec
                            + (variable < 0 ? " needs exactly " : " needs a multiple of ")
                            + block
                            + ", in row-major order");
        }
        if (variable >= 0) {
            dims[variable] = (int) (count / block);
        }
    }

    private static void nestedShape(ColumnBinding column, ArrayData array, int level, int[] dims) {
        TensorSpec spec = column.spec;
        int length = array.size();
        if (spec.dim(level) != -1 && length != spec.dim(level)) {
            throw new TritonRecordException(
                    "input column `"
                            + column.column
                            + "` has an ARRAY of length "
                            + length
                            + " at level "
                            + level
                            + ", but tensor "
                            + spec
                            + " declares "
                            + spec.dim(level)
                            + " there; pad or trim the value");
        }
        if (dims[level] == -2) {
            dims[level] = length;
        } else if (dims[level] != length) {
            throw new TritonRecordException(
                    "input column `"
                            + column.column
                            + "` has ARRAYs of lengths "
                            + dims[level]
                            + " and "
                            + length
                            + " at level "
                            + level
                            + "; tensor "
                            + spec
                            + " needs them rectangular, so give them the same length");
        }
        if (level == dims.length - 1) {
            checkNoNullElements(column, array);
            return;
        }
        for (int i = 0; i < length; i++) {
            if (array.isNullAt(i)) {
                throw new TritonRecordException(
                        "input column `"
                                + column.column
                                + "` has a NULL ARRAY at index "
                                + i
                                + " of level "
                                + level
                                + "; tensor "
                                + spec
                                + " cannot carry NULLs");
            }
            nestedShape(column, array.getArray(i), level + 1, dims);
        }
    }

    private static void checkNoNullElements(ColumnBinding column, ArrayData array) {
        if (!column.elementType.isNullable()) {
            return;
        }
        boolean anyNull;
        if (array instanceof BinaryArrayData) {
            anyNull = ((BinaryArrayData) array).anyNull();
        } else {
            anyNull = false;
            for (int i = 0, n = array.size(); i < n && !anyNull; i++) {
                anyNull = array.isNullAt(i);
            }
        }
        if (anyNull) {
            throw new TritonRecordException(
                    "input column `"
                            + column.column
                            + "` has a NULL element, but tensor "
                            + column.spec
                            + " cannot carry NULLs; replace them before ML_PREDICT");
        }
    }

    @Override
    public void write(RowData row, int input, TensorWriter out) {
        ColumnBinding column = columns[input];
        if (column.layout == ColumnBinding.Layout.SCALAR) {
            writeScalar(row, column, out);
        } else {
            writeNested(row.getArray(column.index), column.depth, column, out);
        }
    }

    private static void writeNested(
            ArrayData array, int depth, ColumnBinding column, TensorWriter out) {
        if (depth == 1) {
            writeElements(array, column, out);
            return;
        }
        for (int i = 0, n = array.size(); i < n; i++) {
            writeNested(array.getArray(i), depth - 1, column, out);
        }
    }

    private static void writeScalar(RowData row, ColumnBinding column, TensorWriter out) {
        int i = column.index;
        TritonDataType datatype = column.spec.datatype();
        switch (datatype) {
            case BOOL:
                out.writeBool(row.getBoolean(i));
                break;
            case INT8:
            case UINT8:
                out.writeInt8(row.getByte(i));
                break;
            case INT16:
            case UINT16:
                out.writeInt16(row.getShort(i));
                break;
            case INT32:
            case UINT32:
                out.writeInt32(row.getInt(i));
                break;
            case INT64:
            case UINT64:
                out.writeInt64(row.getLong(i));
                break;
            case FP16:
                out.writeFp16(row.getFloat(i));
                break;
            case BF16:
                out.writeBf16(row.getFloat(i));
                break;
            case FP32:
                out.writeFp32(row.getFloat(i));
                break;
            case FP64:
                out.writeFp64(row.getDouble(i));
                break;
            case BYTES:
                out.writeBytes(column.isText() ? row.getString(i).toBytes() : row.getBinary(i));
                break;
            default:
                throw new IllegalStateException("no wire datatype: " + datatype);
        }
    }

    private static void writeElements(ArrayData array, ColumnBinding column, TensorWriter out) {
        TritonDataType datatype = column.spec.datatype();
        switch (datatype) {
            case BOOL:
                out.writeBools(array.toBooleanArray());
                break;
            case INT8:
            case UINT8:
                out.writeInt8s(array.toByteArray());
                break;
            case INT16:
            case UINT16:
                out.writeInt16s(array.toShortArray());
                break;
            case INT32:
            case UINT32:
                out.writeInt32s(array.toIntArray());
                break;
            case INT64:
            case UINT64:
                out.writeInt64s(array.toLongArray());
                break;
            case FP16:
                out.writeFp16s(array.toFloatArray());
                break;
            case BF16:
                out.writeBf16s(array.toFloatArray());
                break;
            case FP32:
                out.writeFp32s(array.toFloatArray());
                break;
            case FP64:
                out.writeFp64s(array.toDoubleArray());
                break;
            case BYTES:
                boolean text = column.isText();
                for (int j = 0, n = array.size(); j < n; j++) {
                    out.writeBytes(text ? array.getString(j).toBytes() : array.getBinary(j));
                }
                break;
            default:
                throw new IllegalStateException("no wire datatype: " + datatype);
        }
    }
}
