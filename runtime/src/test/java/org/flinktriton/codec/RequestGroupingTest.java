package org.flinktriton.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.flinktriton.TritonException;
import org.flinktriton.wire.RequestEncoder;
import org.junit.jupiter.api.Test;

/** {@link RequestEncoder#groupByShape}: one group when no input is variable, none when empty. */
class RequestGroupingTest {
    private static <T> RequestEncoder<T> encoder(Class<T> type) {
        return RequestEncoder.builder(TritonCodecs.forInput(type)).build();
    }

    private static ScalarsPojo scalars() {
        ScalarsPojo pojo = new ScalarsPojo();
        pojo.text = "x";
        pojo.blob = new byte[] {1};
        return pojo;
    }

    @Test
    void fixedShapesMakeOneGroupInInputOrder() {
        List<ScalarsPojo> records = List.of(scalars(), scalars(), scalars());

        List<int[]> groups = encoder(ScalarsPojo.class).groupByShape(records);

        assertThat(groups).hasSize(1);
        assertThat(groups.get(0)).containsExactly(0, 1, 2);
    }

    @Test
    void fixedShapesAreStillCheckedRecordByRecord() {
        List<ScalarsPojo> records = List.of(scalars(), new ScalarsPojo());

        assertThatThrownBy(() -> encoder(ScalarsPojo.class).groupByShape(records))
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("ScalarsPojo.text is null");
    }

    @Test
    void anEmptyListHasNoGroupsWhetherOrNotAnInputIsVariable() {
        assertThat(encoder(ScalarsPojo.class).groupByShape(List.of())).isEmpty();
        assertThat(encoder(ArraysBean.class).groupByShape(List.of())).isEmpty();
    }

    @Test
    void variableShapesGroupRecordsThatAgree() {
        ArraysBean a = GeneratedCodecTest.arrays();
        ArraysBean b = GeneratedCodecTest.arrays();
        ArraysBean longer = GeneratedCodecTest.arrays();
        longer.setFp64s(new double[] {1, 2, 3, 4});

        List<int[]> groups = encoder(ArraysBean.class).groupByShape(List.of(a, longer, b));

        assertThat(groups).hasSize(2);
        assertThat(groups.get(0)).containsExactly(0, 2);
        assertThat(groups.get(1)).containsExactly(1);
    }
}
