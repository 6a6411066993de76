package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

class DefaultValueTest {

    private static Object fill(String text, LogicalType type) {
        GenericRowData row = new GenericRowData(2);
        RowType output =
                RowType.of(new LogicalType[] {type, new IntType()}, new String[] {"out", "status"});
        DefaultValue.of(text, output, Set.of("status")).fill(row);
        return row.getField(0);
    }

    @Test
    void eachTypeTakesFlinksProvidersFormat() {
        assertThat(fill("FAILED", VarCharType.STRING_TYPE))
                .isEqualTo(StringData.fromString("FAILED"));
        assertThat(fill("NULL", VarCharType.STRING_TYPE)).isEqualTo(StringData.fromString("NULL"));
        assertThat(fill("null", VarCharType.STRING_TYPE)).isNull();
        assertThat(fill("-1", new BigIntType())).isEqualTo(-1L);
        assertThat(fill(" 7 ", new IntType())).isEqualTo(7);
        assertThat(fill("0.5", new FloatType())).isEqualTo(0.5f);
        assertThat(fill("-2.25", new DoubleType())).isEqualTo(-2.25);
        assertThat(fill("true", new BooleanType())).isEqualTo(true);
        ArrayData array = (ArrayData) fill("[0.0, 1.5, null]", new ArrayType(new FloatType()));
        assertThat(array.size()).isEqualTo(3);
        assertThat(array.getFloat(1)).isEqualTo(1.5f);
        assertThat(array.isNullAt(2)).isTrue();
        ArrayData words =
                (ArrayData) fill("[\"a\", \"b\"]", new ArrayType(VarCharType.STRING_TYPE));
        assertThat(words.getString(1)).isEqualTo(StringData.fromString("b"));
    }

    @Test
    void aValueTheColumnCannotHoldFailsAtPlanning() {
        assertThatThrownBy(() -> fill("many", new BigIntType()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining(
                        "'default-value' = 'many' does not fit output column `out` BIGINT")
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> fill("0.0, 0.0", new ArrayType(new FloatType())))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("expected a JSON array such as [0.0, 0.0]");
        assertThatThrownBy(() -> fill("yes", new BooleanType()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("expected true or false");
        assertThatThrownBy(() -> fill("2026-01-01", new TimestampType()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("not supported");
    }

    @Test
    void severalOutputColumnsAreRefusedNamingCoalesce() {
        RowType output =
                RowType.of(
                        new LogicalType[] {new IntType(), new IntType()}, new String[] {"a", "b"});
        assertThatThrownBy(() -> DefaultValue.of("0", output, Set.of()))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("this model has 2 ([a, b])")
                .hasMessageContaining("COALESCE");
        assertThat(DefaultValue.of(null, output, Set.of()).isSet()).isFalse();
    }
}
