package org.flinktriton.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.junit.jupiter.api.Test;

/**
 * The codecs the processor generated for this module's test classes (during test-compile): how they
 * are found, the specs they expose, and how {@code shape} checks values.
 */
class GeneratedCodecTest {

    // ---- lookup and specs --------------------------------------------------------------

    @Test
    void findsGeneratedCodecsByName() {
        TritonInputCodec<ScalarsPojo> input = TritonCodecs.forInput(ScalarsPojo.class);
        TritonOutputCodec<ScalarsPojo> output = TritonCodecs.forOutput(ScalarsPojo.class);
        assertThat(input).isInstanceOf(ScalarsPojoTritonCodec.class).isSameAs(output);
        assertThat(input.type()).isEqualTo(ScalarsPojo.class);
        assertThat(TritonCodecs.forInput(Fixtures.Boxed.class))
                .isInstanceOf(Fixtures_BoxedTritonCodec.class);
        assertThat(TritonCodecs.forOutput(MatrixResult.class))
                .isInstanceOf(MatrixResultTritonCodec.class);
    }

    @Test
    void generatedCodecIsAFinalClassWithThePublicNoArgConstructor() throws Exception {
        Class<?> codec = ScalarsPojoTritonCodec.class;
        assertThat(java.lang.reflect.Modifier.isFinal(codec.getModifiers())).isTrue();
        assertThat(java.lang.reflect.Modifier.isPublic(codec.getModifiers())).isTrue();
        assertThat(codec.getConstructor().newInstance())
                .isInstanceOf(TritonInputCodec.class)
                .isInstanceOf(TritonOutputCodec.class);
        assertThat(TritonInputCodec.class.isAssignableFrom(MatrixResultTritonCodec.class))
                .as("an output-only class gets no input codec")
                .isFalse();
    }

    @Test
    void classWithoutOutputsHasNoOutputCodec() {
        assertThatThrownBy(() -> TritonCodecs.forOutput(MatrixRecord.class))
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("has a generated codec but no @TritonOutput fields");
        assertThatThrownBy(() -> TritonCodecs.forInput(Fixtures.Answer.class))
                .isInstanceOf(TritonException.class)
                .hasMessageContaining("has a generated codec but no @TritonInput fields");
    }

    @Test
    void scalarSpecsDefaultToShapeOne() {
        List<TensorSpec> expected =
                List.of(
                        TensorSpec.of("BOOL", TritonDataType.BOOL, 1),
                        TensorSpec.of("INT8", TritonDataType.INT8, 1),
                        TensorSpec.of("UINT8", TritonDataType.UINT8, 1),
                        TensorSpec.of("INT16", TritonDataType.INT16, 1),
                        TensorSpec.of("UINT16", TritonDataType.UINT16, 1),
                        TensorSpec.of("INT32", TritonDataType.INT32, 1),
                        TensorSpec.of("UINT32", TritonDataType.UINT32, 1),
                        TensorSpec.of("INT64", TritonDataType.INT64, 1),
                        TensorSpec.of("UINT64", TritonDataType.UINT64, 1),
                        TensorSpec.of("FP16", TritonDataType.FP16, 1),
                        TensorSpec.of("BF16", TritonDataType.BF16, 1),
                        TensorSpec.of("FP32", TritonDataType.FP32, 1),
                        TensorSpec.of("FP64", TritonDataType.FP64, 1),
                        TensorSpec.of("TEXT", TritonDataType.BYTES, 1),
                        TensorSpec.of("BLOB", TritonDataType.BYTES, 1));
        assertThat(TritonCodecs.forInput(ScalarsPojo.class).inputs()).isEqualTo(expected);
        assertThat(TritonCodecs.forOutput(ScalarsPojo.class).outputs()).isEqualTo(expected);
    }

    @Test
    void arraySpecsDefaultToVariableDimensions() {
        assertThat(TritonCodecs.forInput(ArraysBean.class).inputs())
                .containsExactly(
                        TensorSpec.of("BOOL", TritonDataType.BOOL, 3),
                        TensorSpec.of("INT8", TritonDataType.INT8, -1),
                        TensorSpec.of("UINT8", TritonDataType.UINT8, 4),
                        TensorSpec.of("INT16", TritonDataType.INT16, -1),
                        TensorSpec.of("UINT16", TritonDataType.UINT16, -1),
                        TensorSpec.of("INT32", TritonDataType.INT32, 2),
                        TensorSpec.of("UINT32", TritonDataType.UINT32, -1),
                        TensorSpec.of("INT64", TritonDataType.INT64, -1),
                        TensorSpec.of("UINT64", TritonDataType.UINT64, -1),
                        TensorSpec.of("FP16", TritonDataType.FP16, -1),
                        TensorSpec.of("BF16", TritonDataType.BF16, -1),
                        TensorSpec.of("FP32", TritonDataType.FP32, 4),
                        TensorSpec.of("FP64", TritonDataType.FP64, -1),
                        TensorSpec.of("TEXTS", TritonDataType.BYTES, -1),
                        TensorSpec.of("BLOBS", TritonDataType.BYTES, -1),
                        TensorSpec.of("READY", TritonDataType.BOOL, 1));
        assertThat(TritonCodecs.forOutput(ArraysBean.class).outputs())
                .containsExactly(
                        TensorSpec.of("FP32", TritonDataType.FP32, 4),
                        TensorSpec.of("TEXTS", TritonDataType.BYTES, -1),
                        TensorSpec.of("UINT64", TritonDataType.UINT64, -1),
                        TensorSpec.of("READY", TritonDataType.BOOL, 1));
    }

    @Test
    void multiDimensionalSpecs() {
        List<TensorSpec> expected =
                List.of(
                        TensorSpec.of("GRID", TritonDataType.FP32, -1, 3),
                        TensorSpec.of("CUBE", TritonDataType.INT32, 2, -1, 2),
                        TensorSpec.of("WORDS", TritonDataType.BYTES, -1, -1),
                        TensorSpec.of("PIXELS", TritonDataType.UINT8, 2, 2),
                        TensorSpec.of("IMAGE", TritonDataType.FP32, 2, 3),
                        TensorSpec.of("PAIRS", TritonDataType.INT64, -1, 2),
                        TensorSpec.of("HALVES", TritonDataType.FP16, -1, 2));
        assertThat(TritonCodecs.forInput(MatrixRecord.class).inputs()).isEqualTo(expected);
        assertThat(TritonCodecs.forOutput(MatrixResult.class).outputs()).isEqualTo(expected);
    }

    @Test
    void boxedAndListSpecs() {
        assertThat(TritonCodecs.forInput(Fixtures.Boxed.class).inputs())
                .containsExactly(
                        TensorSpec.of("COUNT", TritonDataType.INT32, 1),
                        TensorSpec.of("WEIGHT", TritonDataType.BF16, 1),
                        TensorSpec.of("FLAGS", TritonDataType.BOOL, -1),
                        TensorSpec.of("IDS", TritonDataType.INT64, 3),
                        TensorSpec.of("TAGS", TritonDataType.BYTES, -1));
        assertThat(TritonCodecs.forInput(Fixtures.Computed.class).inputs())
                .containsExactly(TensorSpec.of("SUM", TritonDataType.FP32, 1));
        assertThat(TritonCodecs.forOutput(Fixtures.Computed.class).outputs())
                .containsExactly(TensorSpec.of("TOTAL", TritonDataType.FP64, 1));
    }

    @Test
    void modelFromAnnotation() {
        TritonInputCodec<ScoredReview> scorer = TritonCodecs.forInput(ScoredReview.class);
        assertThat(scorer.modelName()).contains("scorer");
        assertThat(scorer.modelVersion()).contains("2");
        TritonInputCodec<ScalarsPojo> echo = TritonCodecs.forInput(ScalarsPojo.class);
        assertThat(echo.modelName()).contains("echo_scalars");
        assertThat(echo.modelVersion()).isEmpty();
        assertThat(TritonCodecs.forInput(Fixtures.Query.class).modelName())
                .isEqualTo(Optional.empty());
    }

    @Test
    void enrichmentOnlyForClassesWithInputsAndOutputs() {
        assertThat(TritonCodecs.forOutput(ScalarsPojo.class).canEnrich()).isTrue();
        assertThat(TritonCodecs.forOutput(ScoredReview.class).canEnrich()).isTrue();
        TritonOutputCodec<ArraysResult> readOnly = TritonCodecs.forOutput(ArraysResult.class);
        assertThat(readOnly.canEnrich()).isFalse();
        assertThatThrownBy(() -> readOnly.enrich(null, null))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- shape(): good values ------------------------------------------------------------

    @Test
    void shapeTakesVariableDimensionsFromTheValue() {
        TritonInputCodec<MatrixRecord> codec = TritonCodecs.forInput(MatrixRecord.class);
        MatrixRecord record = matrix();
        assertThat(shape(codec, record, 0)).containsExactly(2, 3);
        assertThat(shape(codec, record, 1)).containsExactly(2, 1, 2);
        assertThat(shape(codec, record, 2)).containsExactly(1, 2);
        assertThat(shape(codec, record, 3)).containsExactly(2, 2);
        assertThat(shape(codec, record, 4)).containsExactly(2, 3);
        assertThat(shape(codec, record, 5)).containsExactly(3, 2);
        assertThat(shape(codec, record, 6)).containsExactly(1, 2);
    }

    @Test
    void emptyArraysHaveZeroLengthVariableDimensions() {
        TritonInputCodec<MatrixRecord> codec = TritonCodecs.forInput(MatrixRecord.class);
        MatrixRecord record =
                new MatrixRecord(
                        new float[0][],
                        new int[][][] {{}, {}},
                        new String[0][],
                        new byte[][] {{1, 2}, {3, 4}},
                        new float[6],
                        new long[0],
                        new float[0][]);
        assertThat(shape(codec, record, 0)).containsExactly(0, 3);
        assertThat(shape(codec, record, 1)).containsExactly(2, 0, 2);
        assertThat(shape(codec, record, 2)).containsExactly(0, 0);
        assertThat(shape(codec, record, 5)).containsExactly(0, 2);
    }

    @Test
    void shapeOfScalarsListsAndGetters() {
        Fixtures.Boxed boxed = boxed();
        TritonInputCodec<Fixtures.Boxed> codec = TritonCodecs.forInput(Fixtures.Boxed.class);
        assertThat(shape(codec, boxed, 0)).containsExactly(1);
        assertThat(shape(codec, boxed, 2)).containsExactly(2);
        assertThat(shape(codec, boxed, 3)).containsExactly(3);
        assertThat(shape(codec, boxed, 4)).containsExactly(3);
        Fixtures.Computed computed = new Fixtures.Computed();
        assertThat(shape(TritonCodecs.forInput(Fixtures.Computed.class), computed, 0))
                .containsExactly(1);
    }

    // ---- shape(): bad values --------------------------------------------------------------

    @Test
    void rejectsNullArray() {
        ArraysBean bean = arrays();
        bean.setFp32s(null);
        assertShapeFails(
                TritonCodecs.forInput(ArraysBean.class),
                bean,
                11,
                "ArraysBean.fp32s is null, but tensor 'FP32' (FP32 [4]) needs a value; set it before"
                        + " sending the record");
    }

    @Test
    void rejectsNullScalarObjects() {
        ScalarsPojo pojo = new ScalarsPojo();
        pojo.blob = new byte[0];
        assertShapeFails(
                TritonCodecs.forInput(ScalarsPojo.class),
                pojo,
                13,
                "ScalarsPojo.text is null, but tensor 'TEXT' (BYTES [1]) needs a value");
        Fixtures.Boxed boxed = boxed();
        boxed.weight = null;
        assertShapeFails(
                TritonCodecs.forInput(Fixtures.Boxed.class),
                boxed,
                1,
                "Fixtures.Boxed.weight is null, but tensor 'WEIGHT' (BF16 [1]) needs a value");
    }

    @Test
    void rejectsWrongFixedLength() {
        ArraysBean bean = arrays();
        bean.setFp32s(new float[] {1, 2, 3});
        assertShapeFails(
                TritonCodecs.forInput(ArraysBean.class),
                bean,
                11,
                "ArraysBean.fp32s has length 3 in dimension 0, but tensor 'FP32' (FP32 [4]) declares"
                        + " 4; pad or trim the value, or declare the dimension -1 (variable)");
        Fixtures.Boxed boxed = boxed();
        boxed.ids = List.of(1L, 2L);
        assertShapeFails(
                TritonCodecs.forInput(Fixtures.Boxed.class),
                boxed,
                3,
                "Fixtures.Boxed.ids has length 2 in dimension 0, but tensor 'IDS' (INT64 [3])"
                        + " declares 3");
    }

    @Test
    void rejectsNullElements() {
        ArraysBean bean = arrays();
        bean.setTexts(new String[] {"a", null});
        assertShapeFails(
                TritonCodecs.forInput(ArraysBean.class),
                bean,
                13,
                "ArraysBean.texts[1] is null, but tensor 'TEXTS' (BYTES [-1]) cannot carry null"
                        + " elements or rows; replace it with a value");
        bean = arrays();
        bean.setBlobs(new byte[][] {null});
        assertShapeFails(
                TritonCodecs.forInput(ArraysBean.class), bean, 14, "ArraysBean.blobs[0] is null");
        Fixtures.Boxed boxed = boxed();
        boxed.flags = Arrays.asList(true, null);
        assertShapeFails(
                TritonCodecs.forInput(Fixtures.Boxed.class),
                boxed,
                2,
                "Fixtures.Boxed.flags[1] is null");
        MatrixRecord words = withWords(matrix(), new String[][] {{"a", "b"}, {"c", null}});
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                words,
                2,
                "MatrixRecord.words[1][1] is null");
    }

    @Test
    void rejectsNullRows() {
        MatrixRecord record = matrix();
        MatrixRecord nullRow =
                new MatrixRecord(
                        new float[][] {{1, 2, 3}, null},
                        record.cube(),
                        record.words(),
                        record.pixels(),
                        record.image(),
                        record.pairs(),
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                nullRow,
                0,
                "MatrixRecord.grid[1] is null, but tensor 'GRID' (FP32 [-1, 3]) cannot carry null"
                        + " elements or rows");
    }

    @Test
    void rejectsRowsOfTheWrongFixedLength() {
        MatrixRecord record = matrix();
        MatrixRecord shortRow =
                new MatrixRecord(
                        new float[][] {{1, 2, 3}, {4, 5}},
                        record.cube(),
                        record.words(),
                        record.pixels(),
                        record.image(),
                        record.pairs(),
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                shortRow,
                0,
                "MatrixRecord.grid[1] has length 2 in dimension 1, but tensor 'GRID' (FP32 [-1, 3])"
                        + " declares 3");
        MatrixRecord deep =
                new MatrixRecord(
                        record.grid(),
                        new int[][][] {{{1, 2}}, {{3, 4, 5}}},
                        record.words(),
                        record.pixels(),
                        record.image(),
                        record.pairs(),
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                deep,
                1,
                "MatrixRecord.cube[1][0] has length 3 in dimension 2, but tensor 'CUBE' (INT32 [2,"
                        + " -1, 2]) declares 2");
        MatrixRecord outer =
                new MatrixRecord(
                        record.grid(),
                        new int[][][] {{{1, 2}}},
                        record.words(),
                        record.pixels(),
                        record.image(),
                        record.pairs(),
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                outer,
                1,
                "MatrixRecord.cube has length 1 in dimension 0, but tensor 'CUBE' (INT32 [2, -1, 2])"
                        + " declares 2");
    }

    @Test
    void rejectsRaggedArrays() {
        MatrixRecord ragged = withWords(matrix(), new String[][] {{"a", "b"}, {"c"}});
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                ragged,
                2,
                "MatrixRecord.words[1] has length 1 in dimension 1 where the rows before it have 2;"
                        + " tensor 'WORDS' (BYTES [-1, -1]) needs a rectangular array, so give every"
                        + " row the same length");
        MatrixRecord record = matrix();
        MatrixRecord raggedCube =
                new MatrixRecord(
                        record.grid(),
                        new int[][][] {{{1, 2}, {3, 4}}, {{5, 6}}},
                        record.words(),
                        record.pixels(),
                        record.image(),
                        record.pairs(),
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                raggedCube,
                1,
                "MatrixRecord.cube[1] has length 1 in dimension 1 where the rows before it have 2");
    }

    @Test
    void rejectsFlatArraysThatDoNotFitTheirShape() {
        MatrixRecord record = matrix();
        MatrixRecord image =
                new MatrixRecord(
                        record.grid(),
                        record.cube(),
                        record.words(),
                        record.pixels(),
                        new float[5],
                        record.pairs(),
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                image,
                4,
                "MatrixRecord.image has 5 elements, but tensor 'IMAGE' (FP32 [2, 3]) needs exactly 6,"
                        + " in row-major order");
        MatrixRecord pairs =
                new MatrixRecord(
                        record.grid(),
                        record.cube(),
                        record.words(),
                        record.pixels(),
                        record.image(),
                        new long[3],
                        record.halves());
        assertShapeFails(
                TritonCodecs.forInput(MatrixRecord.class),
                pairs,
                5,
                "MatrixRecord.pairs has 3 elements, but tensor 'PAIRS' (INT64 [-1, 2]) needs a"
                        + " multiple of 2, in row-major order");
    }

    @Test
    void rejectsAnUnknownTensorIndex() {
        TritonInputCodec<ArraysBean> codec = TritonCodecs.forInput(ArraysBean.class);
        assertThatThrownBy(() -> codec.shape(arrays(), 16, new int[1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("No tensor at index 16; the codec has 16:");
        assertThatThrownBy(() -> codec.write(arrays(), -1, new RecordingWriter()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- write(): one call per array or row ------------------------------------------------

    @Test
    void writesEachPrimitiveArrayOrRowWithOneCall() {
        TritonInputCodec<MatrixRecord> codec = TritonCodecs.forInput(MatrixRecord.class);
        MatrixRecord record = matrix();
        RecordingWriter out = new RecordingWriter();
        for (int i = 0; i < codec.inputs().size(); i++) {
            codec.write(record, i, out);
        }
        assertThat(out.calls)
                .containsExactly(
                        "writeFp32s(3)",
                        "writeFp32s(3)",
                        "writeInt32s(2)",
                        "writeInt32s(2)",
                        "writeString=a",
                        "writeString=b",
                        "writeInt8s(2)",
                        "writeInt8s(2)",
                        "writeFp32s(6)",
                        "writeInt64s(6)",
                        "writeFp16s(2)");
    }

    @Test
    void writesScalarsThroughFieldsGettersAndBoxes() {
        RecordingWriter out = new RecordingWriter();
        Fixtures.Computed computed = new Fixtures.Computed();
        computed.a = 1.5f;
        computed.b = 2;
        TritonCodecs.forInput(Fixtures.Computed.class).write(computed, 0, out);
        TritonInputCodec<Fixtures.Boxed> boxed = TritonCodecs.forInput(Fixtures.Boxed.class);
        for (int i = 0; i < boxed.inputs().size(); i++) {
            boxed.write(boxed(), i, out);
        }
        assertThat(out.calls)
                .containsExactly(
                        "writeFp32=3.5",
                        "writeInt32=7",
                        "writeBf16=0.5",
                        "writeBool=true",
                        "writeBool=false",
                        "writeInt64=1",
                        "writeInt64=2",
                        "writeInt64=3",
                        "writeString=x",
                        "writeString=",
                        "writeString=z");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static <T> int[] shape(TritonInputCodec<T> codec, T record, int input) {
        int[] dims = new int[codec.inputs().get(input).rank()];
        codec.shape(record, input, dims);
        return dims;
    }

    private static <T> void assertShapeFails(
            TritonInputCodec<T> codec, T record, int input, String message) {
        int[] dims = new int[codec.inputs().get(input).rank()];
        assertThatThrownBy(() -> codec.shape(record, input, dims))
                .isInstanceOf(TritonException.class)
                .hasMessageStartingWith(message);
    }

    static MatrixRecord matrix() {
        return new MatrixRecord(
                new float[][] {{1, 2, 3}, {4, 5, 6}},
                new int[][][] {{{1, 2}}, {{3, 4}}},
                new String[][] {{"a", "b"}},
                new byte[][] {{1, 2}, {3, 4}},
                new float[] {1, 2, 3, 4, 5, 6},
                new long[] {1, 2, 3, 4, 5, 6},
                new float[][] {{0.5f, -2}});
    }

    private static MatrixRecord withWords(MatrixRecord record, String[][] words) {
        return new MatrixRecord(
                record.grid(),
                record.cube(),
                words,
                record.pixels(),
                record.image(),
                record.pairs(),
                record.halves());
    }

    static Fixtures.Boxed boxed() {
        Fixtures.Boxed boxed = new Fixtures.Boxed();
        boxed.count = 7;
        boxed.weight = 0.5f;
        boxed.flags = List.of(true, false);
        boxed.ids = List.of(1L, 2L, 3L);
        boxed.tags = List.of("x", "", "z");
        return boxed;
    }

    static ArraysBean arrays() {
        ArraysBean bean = new ArraysBean();
        bean.setBools(new boolean[] {true, false, true});
        bean.setInt8s(new byte[] {Byte.MIN_VALUE, -1, 0, Byte.MAX_VALUE});
        bean.setUint8s(new byte[] {0, 1, (byte) 0x80, (byte) 0xff});
        bean.setInt16s(new short[] {Short.MIN_VALUE, 0, Short.MAX_VALUE});
        bean.setUint16s(new short[] {0, (short) 0x8000, (short) 0xffff});
        bean.setInt32s(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE});
        bean.setUint32s(new int[] {0, Integer.MIN_VALUE, -1});
        bean.setInt64s(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE});
        bean.setUint64s(new long[] {0, Long.MIN_VALUE, -1L});
        bean.setFp16s(new float[] {65504f, -0.0f, 6.1035156e-5f, Float.NEGATIVE_INFINITY});
        bean.setBf16s(new float[] {1.0f, -2.5f, Float.intBitsToFloat(0x7f7f0000), 0.0f});
        bean.setFp32s(new float[] {Float.MIN_VALUE, -0.0f, Float.MAX_VALUE, Float.NaN});
        bean.setFp64s(new double[] {Double.MIN_VALUE, -0.0, Double.MAX_VALUE});
        bean.setTexts(new String[] {"", "héllo wörld", "日本語 🎉"});
        bean.setBlobs(new byte[][] {{}, {0, (byte) 0xff, 0x7f}});
        bean.setReady(true);
        return bean;
    }
}
