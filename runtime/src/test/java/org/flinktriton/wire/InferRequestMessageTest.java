package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.junit.jupiter.api.Test;

/** Parsing requests the way a server does, JSON and binary, and rejecting broken ones. */
class InferRequestMessageTest {

    @Test
    void parsesNestedAndFlatJsonData() {
        String json =
                "{\"id\":\"r1\",\"parameters\":{\"priority\":1},\"inputs\":["
                        + "{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2,3],"
                        + "\"data\":[[1,2,3],[4,5,-6]]},"
                        + "{\"name\":\"B\",\"datatype\":\"FP64\",\"shape\":[2],\"data\":[1.5,\"NaN\"]},"
                        + "{\"name\":\"C\",\"datatype\":\"BYTES\",\"shape\":[2,1],"
                        + "\"data\":[\"\",\"h\u00e9llo\"]},"
                        + "{\"name\":\"D\",\"datatype\":\"UINT64\",\"shape\":[1],"
                        + "\"data\":[18446744073709551615]},"
                        + "{\"name\":\"E\",\"datatype\":\"BOOL\",\"shape\":[2],\"data\":[true,false]}],"
                        + "\"outputs\":[{\"name\":\"OUT\",\"parameters\":{\"binary_data\":true}}]}";

        InferRequestMessage request = InferRequestMessage.parse(json.getBytes(UTF_8), -1);

        assertThat(request.id()).isEqualTo("r1");
        assertThat(request.parameters()).containsEntry("priority", 1);
        assertThat(request.input("A").toInt32s()).containsExactly(1, 2, 3, 4, 5, -6);
        assertThat(request.input("A").shape()).containsExactly(2, 3);
        assertThat(request.input("B").toDoubles()).containsExactly(1.5, Double.NaN);
        assertThat(request.input("C").toStrings()).containsExactly("", "h\u00e9llo");
        assertThat(request.input("D").toInt64s()).containsExactly(-1L);
        assertThat(request.input("E").toBools()).containsExactly(true, false);
        assertThat(request.outputs())
                .singleElement()
                .satisfies(o -> assertThat(o.name()).isEqualTo("OUT"));
        assertThat(request.wantsBinary("OUT")).isTrue();
        assertThat(request.wantsBinary("OTHER")).isFalse();
    }

    @Test
    void parsesBinaryInputsInOrderAfterTheHeader() throws Exception {
        Tensor floats =
                Tensor.ofFloats("X", TritonDataType.FP32, new long[] {1, 2}, new float[] {1f, -0f});
        Tensor halves =
                Tensor.ofFloats(
                        "H", TritonDataType.FP16, new long[] {1, 2}, new float[] {0.5f, 65504f});
        Tensor strings = Tensor.ofStrings("S", new long[] {1, 2}, new String[] {"a", "\u00fc"});
        EncodedBody encoded = request(List.of(floats, halves, strings));
        byte[] body = encoded.toByteArray();
        int headerLength = encoded.headerLength();

        InferRequestMessage request = InferRequestMessage.parse(body, headerLength);

        assertThat(request.input("X").toFloats()).containsExactly(1f, -0f);
        assertThat(request.input("H").toFloats()).containsExactly(0.5f, 65504f);
        assertThat(request.input("S").toStrings()).containsExactly("a", "\u00fc");
    }

    @Test
    void rejectsBrokenRequestsWithAMessageThatNamesTheTensor() throws Exception {
        Tensor ints =
                Tensor.ofInt32s(
                        "IDS", TritonDataType.INT32, new long[] {1, 3}, new int[] {1, 2, 3});
        EncodedBody encoded = request(List.of(ints));
        byte[] body = encoded.toByteArray();
        int headerLength = encoded.headerLength();

        assertThatThrownBy(() -> InferRequestMessage.parse(body, body.length + 1))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("Inference-Header-Content-Length");
        assertThatThrownBy(
                        () ->
                                InferRequestMessage.parse(
                                        Arrays.copyOf(body, body.length - 1), headerLength))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("input 'IDS'")
                .hasMessageContaining("binary_data_size 12 runs past the end");
        byte[] longer = Arrays.copyOf(body, body.length + 3);
        assertThatThrownBy(() -> InferRequestMessage.parse(longer, headerLength))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("3 bytes of binary data follow the last binary input");
        assertThatThrownBy(() -> InferRequestMessage.parse("not json".getBytes(UTF_8), -1))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP33\",\"shape\":[1],\"data\":[1]}]}"))
                .hasMessageContaining("input 'A'")
                .hasMessageContaining("\"FP33\" is not a KServe v2 datatype");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"INT8\",\"shape\":[2],\"data\":[1,300]}]}"))
                .hasMessageContaining("input 'A'")
                .hasMessageContaining("data element 1 is 300, not a INT8");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[3],\"data\":[1,2]}]}"))
                .hasMessageContaining("shape holds 3 elements but data holds 2");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[-1],\"data\":[1]}]}"))
                .hasMessageContaining("invalid dimension -1");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[1]}]}"))
                .hasMessageContaining("neither 'data' nor a binary_data_size");
        assertThatThrownBy(() -> parse("[1,2]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"B\",\"datatype\":\"BOOL\",\"shape\":[1],\"data\":[4294967297]}]}"))
                .hasMessageContaining("data element 0 is 4294967297, not a BOOL");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "{\"inputs\":[{\"name\":\"F\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1e40]}]}"))
                .hasMessageContaining("not a FP32");
    }

    @Test
    void rejectsABytesLengthPrefixThatRunsPastItsTensor() throws Exception {
        Tensor strings = Tensor.ofStrings("TEXT", new long[] {1}, new String[] {"abcd"});
        EncodedBody encoded = request(List.of(strings));
        byte[] body = encoded.toByteArray();
        int headerLength = encoded.headerLength();
        ByteBuffer.wrap(body, headerLength, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(headerLength, 5);

        assertThatThrownBy(() -> InferRequestMessage.parse(body, headerLength))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("'TEXT'")
                .hasMessageContaining("claims 5 bytes but only 4 remain");
    }

    private static InferRequestMessage parse(String json) {
        return InferRequestMessage.parse(json.getBytes(UTF_8), -1);
    }

    /** A binary request body in the layout a client sends, made with the wire layer's writer. */
    private static EncodedBody request(List<Tensor> inputs) throws Exception {
        JsonHeaderWriter writer = new JsonHeaderWriter();
        writer.json().writeStartObject();
        boolean[] binary = new boolean[inputs.size()];
        Arrays.fill(binary, true);
        writer.tensors("inputs", inputs, binary);
        writer.json().writeEndObject();
        return writer.finish();
    }
}
