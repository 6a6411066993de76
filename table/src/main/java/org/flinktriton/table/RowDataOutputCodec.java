package org.flinktriton.table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorReader;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * Builds the output row of ML_PREDICT (the model's {@code OUTPUT} columns, in schema order) from
 * one row's output tensors: arrays of numbers as {@link GenericArrayData} over the primitive arrays
 * the reader returns, strings from their UTF-8 bytes. Thread-safe.
 */
final class RowDataOutputCodec implements TritonOutputCodec<RowData> {
    private final ColumnBinding[] columns;
    private final List<TensorSpec> specs;
    private final int arity;

    RowDataOutputCodec(List<ColumnBinding> bindings, int arity) {
        this.columns = bindings.toArray(new ColumnBinding[0]);
        List<TensorSpec> specs = new ArrayList<>();
        for (ColumnBinding binding : bindings) {
            specs.add(binding.spec);
        }
        this.specs = List.copyOf(specs);
        this.arity = arity;
    }

    @Override
    public Class<RowData> type() {
        return RowData.class;
    }

    @Override
    public List<TensorSpec> outputs() {
        return specs;
    }

    /** An output row of NULLs, for a row whose inference failed under 'error-handling' ignore. */
    GenericRowData nulls() {
        return new GenericRowData(arity);
    }

    @Override
    public RowData read(TensorReader in) {
        GenericRowData row = new GenericRowData(arity);
        for (int o = 0; o < columns.length; o++) {
            ColumnBinding column = columns[o];
            row.setField(column.index, readColumn(in, o, column));
        }
        return row;
    }

    private static Object readColumn(TensorReader in, int o, ColumnBinding column) {
        switch (column.layout) {
            case SCALAR:
                int count = in.elementCount(o);
                if (count != 1) {
                    throw new TritonProtocolException(
                            "output tensor "
                                    + column.spec
                                    + " has "
                                    + count
                                    + " elements (shape "
                                    + Arrays.toString(in.shape(o))
                                    + ") for a row, but column `"
                                    + column.column
                                    + "` "
                                    + column.type.asSummaryString()
                                    + " holds one; declare it as an ARRAY");
                }
                return readScalar(in, o, column);
            case FLAT:
                return readElements(in, o, column, in.elementCount(o));
            case NESTED:
                return readNested(in, o, column, in.shape(o), 0);
            default:
                throw new IllegalStateException(column.layout.name());
        }
    }

    private static Object readNested(
            TensorReader in, int o, ColumnBinding column, int[] shape, int level) {
        if (level == shape.length - 1) {
            return readElements(in, o, column, shape[level]);
        }
        Object[] rows = new Object[shape[level]];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = readNested(in, o, column, shape, level + 1);
        }
        return new GenericArrayData(rows);
    }

    private static Object readScalar(TensorReader in, int o, ColumnBinding column) {
        TritonDataType datatype = column.spec.datatype();
        switch (datatype) {
            case BOOL:
                return in.readBool(o);
            case INT8:
            case UINT8:
                return in.readInt8(o);
            case INT16:
            case UINT16:
                return in.readInt16(o);
            case INT32:
            case UINT32:
                return in.readInt32(o);
            case INT64:
            case UINT64:
                return in.readInt64(o);
            case FP16:
                return in.readFp16(o);
            case BF16:
                return in.readBf16(o);
            case FP32:
                return in.readFp32(o);
            case FP64:
                return in.readFp64(o);
            case BYTES:
                byte[] bytes = in.readBytes(o);
                return column.isText() ? StringData.fromBytes(bytes) : bytes;
            default:
                throw new IllegalStateException("no wire datatype: " + datatype);
        }
    }

    private static GenericArrayData readElements(
            TensorReader in, int o, ColumnBinding column, int count) {
        TritonDataType datatype = column.spec.datatype();
        switch (datatype) {
            case BOOL:
                return new GenericArrayData(in.readBools(o, count));
            case INT8:
            case UINT8:
                return new GenericArrayData(in.readInt8s(o, count));
            case INT16:
            case UINT16:
                return new GenericArrayData(in.readInt16s(o, count));
            case INT32:
            case UINT32:
                return new GenericArrayData(in.readInt32s(o, count));
            case INT64:
            case UINT64:
                return new GenericArrayData(in.readInt64s(o, count));
            case FP16:
                return new GenericArrayData(in.readFp16s(o, count));
            case BF16:
                return new GenericArrayData(in.readBf16s(o, count));
            case FP32:
                return new GenericArrayData(in.readFp32s(o, count));
            case FP64:
                return new GenericArrayData(in.readFp64s(o, count));
            case BYTES:
                boolean text = column.isText();
                Object[] values = new Object[count];
                for (int i = 0; i < count; i++) {
                    byte[] bytes = in.readBytes(o);
                    values[i] = text ? StringData.fromBytes(bytes) : bytes;
                }
                return new GenericArrayData(values);
            default:
                throw new IllegalStateException("no wire datatype: " + datatype);
        }
    }
}
