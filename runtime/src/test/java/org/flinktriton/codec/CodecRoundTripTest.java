package org.flinktriton.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.RequestEncoder;
import org.flinktriton.wire.ResponseDecoder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Values round-trip through generated codec, request encoder, an echoing model and response
 * decoder, for every datatype (extremes, NaN, ±0, empty and non-ASCII strings), POJOs, beans,
 * records, enrichment, and one-dimensional, flat and multi-dimensional arrays. Each test runs with
 * binary tensors and with JSON {@code data} (where FP16 and BF16 still travel binary).
 */
class CodecRoundTripTest {

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void scalarsOfEveryDatatypeEnrichThePojoThatWasSent(boolean binary) {
        List<ScalarsPojo> sent = List.of(minima(), maxima(binary), specials(binary));
        List<ScalarsPojo> back = enrich(ScalarsPojo.class, sent, binary);

        assertThat(back).hasSize(3);
        for (int i = 0; i < sent.size(); i++) {
            ScalarsPojo pojo = back.get(i);
            assertThat(pojo).as("enrich returns the instance that was sent").isSameAs(sent.get(i));
            assertThat(pojo.boolOut).isEqualTo(pojo.bool);
            assertThat(pojo.int8Out).isEqualTo(pojo.int8);
            assertThat(pojo.uint8Out).isEqualTo(pojo.uint8);
            assertThat(pojo.int16Out).isEqualTo(pojo.int16);
            assertThat(pojo.uint16Out).isEqualTo(pojo.uint16);
            assertThat(pojo.int32Out).isEqualTo(pojo.int32);
            assertThat(pojo.uint32Out).isEqualTo(pojo.uint32);
            assertThat(pojo.int64Out).isEqualTo(pojo.int64);
            assertThat(pojo.uint64Out).isEqualTo(pojo.uint64);
            // Compared as bits: NaN equals NaN, and -0.0 differs from 0.0.
            assertThat(Float.floatToIntBits(pojo.fp16Out))
                    .isEqualTo(Float.floatToIntBits(pojo.fp16));
            assertThat(Float.floatToIntBits(pojo.bf16Out))
                    .isEqualTo(Float.floatToIntBits(pojo.bf16));
            assertThat(Float.floatToIntBits(pojo.fp32Out))
                    .isEqualTo(Float.floatToIntBits(pojo.fp32));
            assertThat(Double.doubleToLongBits(pojo.fp64Out))
                    .isEqualTo(Double.doubleToLongBits(pojo.fp64));
            assertThat(pojo.textOut).isEqualTo(pojo.text);
            assertThat(pojo.blobOut).isEqualTo(pojo.blob);
        }
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void arraysOfEveryDatatypeDecodeIntoARecord(boolean binary) {
        ArraysBean first = GeneratedCodecTest.arrays();
        ArraysBean second = GeneratedCodecTest.arrays();
        second.setInt8s(new byte[] {1, 2, 3, 4});
        second.setTexts(new String[] {"x", "", "ünïcödé"});
        second.setReady(false);
        if (!binary) {
            // JSON numbers cannot carry NaN portably, and JSON BYTES are UTF-8 strings.
            first.setFp32s(new float[] {Float.MIN_VALUE, -0.0f, Float.MAX_VALUE, 1e-3f});
            second.setFp32s(new float[] {1, 2, 3, 4});
            first.setBlobs(new byte[][] {{}, "€".getBytes(UTF_8)});
            second.setBlobs(new byte[][] {{}, {0, 0x7f}});
        }
        List<ArraysBean> sent = List.of(first, second);

        List<ArraysResult> back = read(ArraysBean.class, sent, ArraysResult.class, binary);

        assertThat(back).hasSize(2);
        for (int i = 0; i < sent.size(); i++) {
            ArraysBean in = sent.get(i);
            ArraysResult out = back.get(i);
            assertThat(out.bools()).isEqualTo(in.getBools());
            assertThat(out.int8s()).isEqualTo(in.getInt8s());
            assertThat(out.uint8s()).isEqualTo(in.getUint8s());
            assertThat(out.int16s()).isEqualTo(in.getInt16s());
            assertThat(out.uint16s()).isEqualTo(in.getUint16s());
            assertThat(out.int32s()).isEqualTo(in.getInt32s());
            assertThat(out.uint32s()).isEqualTo(in.getUint32s());
            assertThat(out.int64s()).isEqualTo(in.getInt64s());
            assertThat(out.uint64s()).isEqualTo(in.getUint64s());
            assertThat(floatBits(out.fp16s())).isEqualTo(floatBits(in.getFp16s()));
            assertThat(floatBits(out.bf16s())).isEqualTo(floatBits(in.getBf16s()));
            assertThat(floatBits(out.fp32s())).isEqualTo(floatBits(in.getFp32s()));
            assertThat(out.fp64s()).isEqualTo(in.getFp64s());
            assertThat(out.texts()).isEqualTo(in.getTexts());
            assertThat(out.blobs()).isEqualTo(in.getBlobs());
            assertThat(out.ready()).isEqualTo(in.isReady());
        }
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void beanOutputsGoThroughSetters(boolean binary) {
        ArraysBean bean = GeneratedCodecTest.arrays();
        if (!binary) {
            bean.setFp32s(new float[] {1, -0.0f, 3, 4});
        }
        List<ArraysBean> back = enrich(ArraysBean.class, List.of(bean), binary);

        assertThat(back.get(0)).isSameAs(bean);
        assertThat(floatBits(bean.getFp32sOut())).isEqualTo(floatBits(bean.getFp32s()));
        assertThat(bean.getTextsOut()).isEqualTo(bean.getTexts());
        assertThat(bean.getUint64sOut()).isEqualTo(bean.getUint64s());
        assertThat(bean.isReadyOut()).isTrue();
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void multiDimensionalAndFlatArraysKeepTheirShape(boolean binary) {
        MatrixRecord first = GeneratedCodecTest.matrix();
        MatrixRecord second =
                new MatrixRecord(
                        new float[][] {{-1, -2, -3}, {Float.MAX_VALUE, 0, -0.0f}},
                        new int[][][] {{{5, 6}}, {{7, 8}}},
                        new String[][] {{"", "ß"}},
                        new byte[][] {{(byte) 0xff, 0}, {127, (byte) 0x80}},
                        new float[] {6, 5, 4, 3, 2, 1},
                        new long[] {-1, Long.MAX_VALUE, Long.MIN_VALUE, 0, 9, 8},
                        new float[][] {{1024f, -0.0f}});
        List<MatrixRecord> sent = List.of(first, second);

        List<MatrixResult> back = read(MatrixRecord.class, sent, MatrixResult.class, binary);

        for (int i = 0; i < sent.size(); i++) {
            MatrixRecord in = sent.get(i);
            MatrixResult out = back.get(i);
            assertThat(out.grid()).isDeepEqualTo(in.grid());
            assertThat(out.cube()).isDeepEqualTo(in.cube());
            assertThat(out.words()).isDeepEqualTo(in.words());
            assertThat(out.pixels()).isDeepEqualTo(in.pixels());
            assertThat(out.image()).isEqualTo(in.image());
            assertThat(out.pairs()).isEqualTo(in.pairs());
            assertThat(out.halves()).isDeepEqualTo(in.halves());
            assertThat(out.note()).as("not an output: the default").isNull();
            assertThat(out.count()).isZero();
        }
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void enrichingARecordBuildsANewInstance(boolean binary) {
        ScoredReview sent = new ScoredReview(new long[] {3, 1, 4}, "web", "Ça va? 👍", null, null);

        ScoredReview back = enrich(ScoredReview.class, List.of(sent), binary).get(0);

        assertThat(back).isNotSameAs(sent);
        assertThat(back.tokens()).isSameAs(sent.tokens());
        assertThat(back.source()).isEqualTo("web");
        assertThat(back.text()).isEqualTo(sent.text());
        assertThat(back.echoed()).containsExactly(3, 1, 4);
        assertThat(back.echoedText()).isEqualTo("Ça va? 👍");
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void boxedValuesAndListsInANestedClass(boolean binary) {
        Fixtures.Boxed boxed = GeneratedCodecTest.boxed();

        Fixtures.Boxed back = enrich(Fixtures.Boxed.class, List.of(boxed), binary).get(0);

        assertThat(back.countOut).isEqualTo(7);
        assertThat(back.weightOut).isEqualTo(0.5f);
        assertThat(back.flagsOut).containsExactly(true, false);
        assertThat(back.idsOut).containsExactly(1L, 2L, 3L);
        assertThat(back.tagsOut).containsExactly("x", "", "z");
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {true, false})
    void getterAnnotatedOutputIsStoredThroughItsSetter(boolean binary) {
        String response =
                "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"TOTAL\",\"datatype\":\"FP64\","
                        + "\"shape\":[2,1],\"data\":[3.5,-1e300]}]}";
        ResponseDecoder<Fixtures.Computed> decoder =
                ResponseDecoder.create(TritonCodecs.forOutput(Fixtures.Computed.class), true);

        List<Fixtures.Computed> back = decoder.decode(response.getBytes(UTF_8), -1, 2);

        assertThat(back).extracting(Fixtures.Computed::getTotal).containsExactly(3.5, -1e300);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static <T> List<T> enrich(Class<T> type, List<T> records, boolean binary) {
        EchoServer.Response response = echo(type, records, binary);
        return ResponseDecoder.create(TritonCodecs.forOutput(type), true)
                .enrich(response.body(), response.headerLength(), records);
    }

    private static <I, O> List<O> read(
            Class<I> inputType, List<I> records, Class<O> outputType, boolean binary) {
        EchoServer.Response response = echo(inputType, records, binary);
        return ResponseDecoder.create(TritonCodecs.forOutput(outputType), true)
                .decode(response.body(), response.headerLength(), records.size());
    }

    private static <T> EchoServer.Response echo(Class<T> type, List<T> records, boolean binary) {
        EncodedBody body =
                RequestEncoder.builder(TritonCodecs.forInput(type))
                        .binaryData(binary)
                        .build()
                        .encode(records);
        return EchoServer.echo(body);
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToIntBits(values[i]);
        }
        return bits;
    }

    private static ScalarsPojo minima() {
        ScalarsPojo pojo = new ScalarsPojo();
        pojo.bool = true;
        pojo.int8 = Byte.MIN_VALUE;
        pojo.uint8 = (byte) 0xff;
        pojo.int16 = Short.MIN_VALUE;
        pojo.uint16 = (short) 0xffff;
        pojo.int32 = Integer.MIN_VALUE;
        pojo.uint32 = -1;
        pojo.int64 = Long.MIN_VALUE;
        pojo.uint64 = -1L;
        pojo.fp16 = -65504f;
        pojo.bf16 = Float.intBitsToFloat(0xff7f0000);
        pojo.fp32 = -Float.MAX_VALUE;
        pojo.fp64 = -Double.MAX_VALUE;
        pojo.text = "";
        pojo.blob = new byte[0];
        return pojo;
    }

    private static ScalarsPojo maxima(boolean binary) {
        ScalarsPojo pojo = new ScalarsPojo();
        pojo.int8 = Byte.MAX_VALUE;
        pojo.uint8 = (byte) 0x80;
        pojo.int16 = Short.MAX_VALUE;
        pojo.uint16 = (short) 0x8000;
        pojo.int32 = Integer.MAX_VALUE;
        pojo.uint32 = Integer.MIN_VALUE;
        pojo.int64 = Long.MAX_VALUE;
        pojo.uint64 = Long.MIN_VALUE;
        pojo.fp16 = 6.1035156e-5f; // the smallest normal half
        pojo.bf16 = Float.POSITIVE_INFINITY;
        pojo.fp32 = binary ? Float.NaN : Float.MIN_VALUE;
        pojo.fp64 = binary ? Double.NEGATIVE_INFINITY : Double.MIN_VALUE;
        pojo.text = "héllo, 世界 🎉";
        // JSON carries BYTES as strings, so there the bytes must be UTF-8.
        pojo.blob =
                binary
                        ? new byte[] {0, (byte) 0xff, (byte) 0xc3, 0x7f}
                        : "ok\u0000".getBytes(UTF_8);
        return pojo;
    }

    private static ScalarsPojo specials(boolean binary) {
        ScalarsPojo pojo = new ScalarsPojo();
        pojo.fp16 = -0.0f;
        pojo.bf16 = Float.NaN;
        pojo.fp32 = -0.0f;
        pojo.fp64 = binary ? Double.NaN : -0.0;
        pojo.text = "line\nbreak \"quoted\" \\ tab\t";
        pojo.blob = "x".getBytes(UTF_8);
        return pojo;
    }
}
