package org.flinktriton.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.flinktriton.TritonException;
import org.flinktriton.wire.RequestEncoder;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestEncoder#groupByShape}: one group when no input is variable, none when empty, and
 * records that do not fit handed over apart.
 */
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

    @Test
    void recordsThatDoNotFitAreHandedOverAndLeftOutOfTheGroups() {
        ArraysBean a = GeneratedCodecTest.arrays();
        ArraysBean longer = GeneratedCodecTest.arrays();
        longer.setFp64s(new double[] {1, 2, 3, 4});
        ArraysBean unset = GeneratedCodecTest.arrays();
        unset.setFp64s(null);
        List<Integer> unfit = new ArrayList<>();

        List<int[]> groups =
                encoder(ArraysBean.class)
                        .groupByShape(
                                List.of(a, unset, longer, a),
                                (failure, index) -> {
                                    assertThat(failure).hasMessageContaining("is null");
                                    unfit.add(index);
                                });

        assertThat(unfit).containsExactly(1);
        assertThat(groups).hasSize(2);
        assertThat(groups.get(0)).containsExactly(0, 3);
        assertThat(groups.get(1)).containsExactly(2);

        List<ScalarsPojo> fixed = List.of(scalars(), new ScalarsPojo(), scalars());
        unfit.clear();
        List<int[]> one =
                encoder(ScalarsPojo.class)
                        .groupByShape(fixed, (failure, index) -> unfit.add(index));
        assertThat(unfit).containsExactly(1);
        assertThat(one).hasSize(1);
        assertThat(one.get(0)).containsExactly(0, 2);
    }
}
