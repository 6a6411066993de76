package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.binary.BinaryArrayData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.VarCharType;
import org.flinktriton.TritonRecordException;
import org.junit.jupiter.api.Test;

/**
 * A codec for checked rows (what ML_PREDICT's function hands to the client) reads every row's shape
 * as the validating codec does, and its {@link RowDataInputCodec#check} still refuses a bad row.
 */
class RowDataInputCodecTest {
    private static final LogicalType FLOATS = new ArrayType(new FloatType());
    private static final LogicalType FLOATS_2D = new ArrayType(FLOATS);

    private static ColumnBinding bind(int index, LogicalType type, String datatype, long... dims) {
        String[] problem = new String[1];
        ColumnBinding binding =
                ColumnBinding.bind(
                        index, "c" + index, type, "T" + index, datatype, dims, false, problem);
        assertThat(problem[0]).isNull();
        return binding;
    }

    private static ArrayData floats(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        return new GenericArrayData(values);
    }

    private static ArrayData rows(int rows, int width) {
        Object[] outer = new Object[rows];
        for (int r = 0; r < rows; r++) {
            outer[r] = floats(width);
        }
        return new GenericArrayData(outer);
    }

    private static final List<ColumnBinding> BINDINGS =
            List.of(
                    bind(0, FLOATS, "FP32", 4), // NESTED, fixed
                    bind(1, FLOATS, "FP32", -1), // NESTED, variable
                    bind(2, FLOATS_2D, "FP32", -1, 3), // NESTED, variable outer
                    bind(3, FLOATS_2D, "FP32", 2, -1), // NESTED, variable inner
                    bind(4, FLOATS, "FP32", -1, 4), // FLAT, variable
                    bind(5, FLOATS, "FP32", 2, 2), // FLAT, fixed
                    bind(6, new IntType(), "INT32", 1), // SCALAR
                    bind(7, new VarCharType(VarCharType.MAX_LENGTH), "BYTES")); // SCALAR, rank 0

    private static RowData row(int n, int m) {
        return GenericRowData.of(
                BinaryArrayData.fromPrimitiveArray(new float[] {1, 2, 3, 4}),
                floats(n),
                rows(n, 3),
                rows(2, m),
                floats(4 * n),
                floats(4),
                7,
                StringData.fromString("text"));
    }

    @Test
    void checkedRowsHaveTheShapesTheValidatingCodecReads() {
        RowDataInputCodec validating = new RowDataInputCodec(BINDINGS);
        RowDataInputCodec checked = RowDataInputCodec.forCheckedRows(BINDINGS);
        int[][] scratch = checked.newScratch();
        for (int[] sizes : new int[][] {{0, 0}, {1, 0}, {0, 5}, {3, 2}, {7, 1}}) {
            RowData row = row(sizes[0], sizes[1]);
            checked.check(row, scratch);
            for (int i = 0; i < BINDINGS.size(); i++) {
                int rank = BINDINGS.get(i).spec.rank();
                int[] expected = new int[rank];
                int[] actual = new int[rank];
                validating.shape(row, i, expected);
                checked.shape(row, i, actual);
                assertThat(actual)
                        .as("input %d of a row of sizes %d, %d", i, sizes[0], sizes[1])
                        .containsExactly(expected);
            }
        }
    }

    @Test
    void aCodecForCheckedRowsStillChecksInCheck() {
        RowDataInputCodec checked = RowDataInputCodec.forCheckedRows(BINDINGS);
        int[][] scratch = checked.newScratch();
        GenericRowData wrongLength = (GenericRowData) row(1, 1);
        wrongLength.setField(0, floats(3));
        assertThatThrownBy(() -> checked.check(wrongLength, scratch))
                .isInstanceOf(TritonRecordException.class)
                .hasMessageContaining("`c0`");
        GenericRowData nullElement = (GenericRowData) row(1, 1);
        nullElement.setField(1, new GenericArrayData(new Object[] {1f, null}));
        assertThatThrownBy(() -> checked.check(nullElement, scratch))
                .isInstanceOf(TritonRecordException.class)
                .hasMessageContaining("NULL element");
        GenericRowData ragged = (GenericRowData) row(1, 1);
        ragged.setField(3, new GenericArrayData(new Object[] {floats(1), floats(2)}));
        assertThatThrownBy(() -> checked.check(ragged, scratch))
                .isInstanceOf(TritonRecordException.class)
                .hasMessageContaining("rectangular");
    }
}
