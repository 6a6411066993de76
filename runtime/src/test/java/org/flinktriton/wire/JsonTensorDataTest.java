package org.flinktriton.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.stream.Stream;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link JsonTensorData} on its own, without a header or a body: every datatype's extreme values go
 * from the raw layout to JSON {@code data} and back to the same bytes.
 */
class JsonTensorDataTest {
    private static final long[] FOUR = {4};

    static Stream<Tensor> everyDatatype() {
        return Stream.of(
                Tensor.ofBools("BOOL", FOUR, new boolean[] {true, false, false, true}),
                Tensor.ofInt8s("INT8", TritonDataType.INT8, FOUR, new byte[] {-128, -1, 0, 127}),
                Tensor.ofInt8s("UINT8", TritonDataType.UINT8, FOUR, new byte[] {0, 1, 127, -1}),
                Tensor.ofInt16s(
                        "INT16",
                        TritonDataType.INT16,
                        FOUR,
                        new short[] {Short.MIN_VALUE, -1, 0, Short.MAX_VALUE}),
                Tensor.ofInt16s(
                        "UINT16", TritonDataType.UINT16, FOUR, new short[] {0, 1, 32767, -1}),
                Tensor.ofInt32s(
                        "INT32",
                        TritonDataType.INT32,
                        FOUR,
                        new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}),
                Tensor.ofInt32s(
                        "UINT32",
                        TritonDataType.UINT32,
                        FOUR,
                        new int[] {0, 1, Integer.MAX_VALUE, -1}),
                Tensor.ofInt64s(
                        "INT64",
                        TritonDataType.INT64,
                        FOUR,
                        new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}),
                Tensor.ofInt64s(
                        "UINT64",
                        TritonDataType.UINT64,
                        FOUR,
                        new long[] {0, 1, Long.MAX_VALUE, -1}),
                Tensor.ofFloats(
                        "FP16",
                        TritonDataType.FP16,
                        FOUR,
                        new float[] {-65504f, 0.5f, Float.POSITIVE_INFINITY, 6.1035156E-5f}),
                Tensor.ofFloats(
                        "BF16",
                        TritonDataType.BF16,
                        FOUR,
                        new float[] {-3.3895314E38f, 0.5f, Float.NEGATIVE_INFINITY, 1f}),
                Tensor.ofFloats(
                        "FP32",
                        TritonDataType.FP32,
                        FOUR,
                        new float[] {-Float.MAX_VALUE, Float.MIN_VALUE, 1f / 3, -0f}),
                Tensor.ofDoubles(
                        "FP64", FOUR, new double[] {-Double.MAX_VALUE, Double.MIN_VALUE, 0.1, -0d}),
                Tensor.ofStrings("BYTES", FOUR, new String[] {"", "a", "\u00fc\u20ac", "\"q\""}));
    }

    @ParameterizedTest
    @MethodSource("everyDatatype")
    void rawToJsonAndBackGivesTheSameBytes(Tensor tensor) throws Exception {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = WireJson.MAPPER.getFactory().createGenerator(text)) {
            JsonTensorData.write(json, tensor);
        }
        JsonNode data = WireJson.MAPPER.readTree(text.toString());

        byte[] raw =
                JsonTensorData.toRaw(data, tensor.datatype(), 4, false, "tensor " + tensor.name());

        assertThat(data.size()).as("%s as JSON: %s", tensor.name(), text).isEqualTo(4);
        assertThat(raw)
                .as("%s as JSON: %s", tensor.name(), text)
                .isEqualTo(
                        Arrays.copyOfRange(
                                tensor.buffer(),
                                tensor.offset(),
                                tensor.offset() + tensor.byteLength()));
    }

    @Test
    void nestedDataReadsRowMajor() throws Exception {
        JsonNode data = WireJson.MAPPER.readTree("[[1, 2], [3, 4]]");

        byte[] raw = JsonTensorData.toRaw(data, TritonDataType.INT32, 4, false, "tensor X");

        assertThat(raw)
                .isEqualTo(
                        Arrays.copyOfRange(
                                Tensor.ofInt32s(
                                                "X",
                                                TritonDataType.INT32,
                                                FOUR,
                                                new int[] {1, 2, 3, 4})
                                        .buffer(),
                                0,
                                16));
    }

    @Test
    void aValueOutOfItsDatatypesRangeNamesTheElement() throws Exception {
        JsonNode data = WireJson.MAPPER.readTree("[0, 256]");

        assertThatThrownBy(
                        () -> JsonTensorData.toRaw(data, TritonDataType.UINT8, 2, false, "input X"))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessage("input X: data element 1 is 256, not a UINT8");
    }
}
