package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.flinktriton.TritonProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming read of a response header ({@link ResponseDecoder#outputs}) and the tree walk of a
 * request's inputs ({@link JsonHeaderReader#tensors}) against the tree reader they replaced ({@link
 * TreeHeaderReader}): the same tensors or the same message, whatever the order of the keys, unknown
 * or repeated keys, and wherever the header breaks.
 */
class StreamingHeaderTest {
    /** A binary part of 8 bytes, as two FP32 or INT32 elements or one INT64. */
    private static final byte[] BINARY = {1, 0, 0, 0, 2, 0, 0, 0};

    @Test
    void keysOfATensorComeInAnyOrder() {
        String header =
                "{\"outputs\":["
                        + "{\"parameters\":{\"binary_data_size\":8},\"shape\":[2],"
                        + "\"datatype\":\"INT32\",\"name\":\"BIN\"},"
                        + "{\"data\":[[1.5],[2.5]],\"shape\":[2,1],\"datatype\":\"FP64\","
                        + "\"name\":\"JSON\"}],"
                        + "\"model_name\":\"m\"}";

        List<Tensor> outputs = outputs(header, BINARY);

        assertThat(outputs).extracting(Tensor::name).containsExactly("BIN", "JSON");
        assertThat(outputs.get(0).toInt32s()).containsExactly(1, 2);
        assertThat(outputs.get(1).toDoubles()).containsExactly(1.5, 2.5);
        assertThat(outputs.get(1).shape()).containsExactly(2, 1);
        assertSameAsTree(header, BINARY);
    }

    @Test
    void unknownKeysAreSkippedWhateverTheyHold() {
        String header =
                " {\"id\":\"r\",\"parameters\":{\"outputs\":[1],\"x\":{\"a\":[{}]}},"
                        + "\"model_version\":[[\"outputs\"],{\"name\":1}],\"outputs\":[{"
                        + "\"extra\":{\"name\":\"NOT\",\"shape\":[-1],\"data\":null},"
                        + "\"name\":\"OUT\",\"list\":[[1,[2]],{\"data\":3}],\"datatype\":\"INT64\","
                        + "\"parameters\":{\"before\":{\"binary_data_size\":-1},"
                        + "\"binary_data_size\":8,\"after\":[8]},\"shape\":[1],\"n\":null}],"
                        + "\"tail\":{\"outputs\":{}}} \n\t";

        List<Tensor> outputs = outputs(header, BINARY);

        assertThat(outputs).singleElement().satisfies(t -> assertThat(t.name()).isEqualTo("OUT"));
        assertThat(outputs.get(0).toInt64s()).containsExactly(0x0000_0002_0000_0001L);
        assertSameAsTree(header, BINARY);
    }

    @Test
    void theLastOfARepeatedKeyCountsAsInATree() {
        String header =
                "{\"outputs\":[{\"name\":\"FIRST\",\"name\":\"OUT\",\"datatype\":{},"
                        + "\"datatype\":\"INT32\",\"shape\":\"x\",\"shape\":[9],\"shape\":[2],"
                        + "\"data\":[7,8],\"data\":null,"
                        + "\"parameters\":{\"binary_data_size\":\"no\",\"binary_data_size\":8},"
                        + "\"parameters\":{\"binary_data_size\":4},"
                        + "\"parameters\":{\"binary_data_size\":2,\"binary_data_size\":8}}]}";

        List<Tensor> outputs = outputs(header, BINARY);

        assertThat(outputs).singleElement().satisfies(t -> assertThat(t.name()).isEqualTo("OUT"));
        assertThat(outputs.get(0).toInt32s()).containsExactly(1, 2);
        assertSameAsTree(header, BINARY);
    }

    @Test
    void aLaterParametersWithoutASizeLeavesTheJsonData() {
        String header =
                "{\"outputs\":[{\"name\":\"OUT\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":8},\"data\":[3,4],"
                        + "\"parameters\":{\"binary_data_size\":null}}]}";

        assertThat(outputs(header, new byte[0]).get(0).toInt32s()).containsExactly(3, 4);
        assertSameAsTree(header, new byte[0]);
    }

    @Test
    void theLastOutputsCountsEvenWhenAnEarlierOneIsBroken() {
        String header =
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"NOPE\"}],\"x\":1,"
                        + "\"outputs\":[{\"name\":\"B\",\"datatype\":\"INT32\",\"shape\":[1],"
                        + "\"data\":[5]}]}";

        byte[] body = body(header, new byte[0]);

        assertThat(ResponseDecoder.outputs(body, -1))
                .singleElement()
                .satisfies(t -> assertThat(t.name()).isEqualTo("B"));
        assertThat(streamedAlone(body, -1)).as("left to the tree").isNull();
        assertSameAsTree(header, new byte[0]);
    }

    @Test
    void aBrokenLastOutputsFailsEvenAfterAGoodOne() {
        String header =
                "{\"outputs\":[{\"name\":\"B\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[5]}],"
                        + "\"outputs\":{\"name\":\"A\"}}";

        assertThatThrownBy(() -> ResponseDecoder.outputs(body(header, new byte[0]), -1))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessage("Response: 'outputs' is not an array but {\"name\":\"A\"}");
        assertSameAsTree(header, new byte[0]);
    }

    @Test
    void theLastOfTwoGoodOutputsCounts() {
        String header =
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[5]}],"
                        + "\"outputs\":[{\"name\":\"B\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":8}}]}";

        List<Tensor> outputs = outputs(header, BINARY);

        assertThat(outputs).singleElement().satisfies(t -> assertThat(t.name()).isEqualTo("B"));
        assertThat(outputs.get(0).toInt32s()).containsExactly(1, 2);
        assertSameAsTree(header, BINARY);
    }

    /** Bytes that are no UTF-8, or characters JSON forbids, in a string the stream skips. */
    @ParameterizedTest
    @ValueSource(strings = {"ff", "c328", "e282", "f0908c", "0a", "01", "5c71"})
    void aBrokenStringIsInvalidJsonThoughTheStreamSkipsIt(String hex) {
        for (byte[] body : withSkippedString(HexFormat.of().parseHex(hex))) {
            assertThat(outcome(() -> ResponseDecoder.outputs(body, -1)))
                    .startsWith(
                            TritonProtocolException.class.getName()
                                    + ": Response: the header is not valid JSON (");
            assertSameAsTree(body, -1);
        }
    }

    /** An overlong encoding and an encoded surrogate, which Jackson lets pass, pass alike. */
    @ParameterizedTest
    @ValueSource(strings = {"c0af", "eda080"})
    void aStringJacksonLetsPassPassesAlike(String hex) {
        for (byte[] body : withSkippedString(HexFormat.of().parseHex(hex))) {
            assertSameAsTree(body, -1);
        }
    }

    /** Numbers of any length and kind where the stream skips them, and as a tensor's data. */
    @ParameterizedTest
    @ValueSource(ints = {10, 19, 20, 400, 999, 1000, 1001, 5000})
    void longNumbersReadAsInTheTree(int digits) {
        String number = "9".repeat(digits);
        for (String value :
                new String[] {
                    number, "-" + number, "0." + number, number + "e-" + number, "1e" + number
                }) {
            assertSameAsTree("{\"x\":" + value + ",\"outputs\":[]}", new byte[0]);
            assertSameAsTree("{\"x\":[{\"y\":" + value + "}],\"outputs\":[]}", new byte[0]);
            assertSameAsTree(
                    "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"FP64\",\"shape\":[1],"
                            + "\"x\":"
                            + value
                            + ",\"data\":["
                            + value
                            + "],\"parameters\":{\"p\":"
                            + value
                            + "}}]}",
                    new byte[0]);
        }
    }

    /** A long string where the stream skips it, and long keys. */
    @ParameterizedTest
    @ValueSource(ints = {1000, 60_000})
    void longStringsAndKeysReadAsInTheTree(int length) {
        String text = "\\u00e9".repeat(length);
        assertSameAsTree("{\"" + text + "\":\"" + text + "\",\"outputs\":[]}", new byte[0]);
        assertSameAsTree(
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"FP64\",\"shape\":[1],"
                        + "\"x\":[\""
                        + text
                        + "\"],\"data\":[1]}]}",
                new byte[0]);
    }

    /** Bodies that hold {@code bytes} in a string the stream skips, at the top or in a tensor. */
    private static List<byte[]> withSkippedString(byte[] bytes) {
        List<byte[]> bodies = new ArrayList<>();
        for (String around :
                new String[] {
                    "{\"model_name\":\"%s\",\"outputs\":[]}",
                    "{\"outputs\":[],\"x\":[\"%s\"]}",
                    "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[1],"
                            + "\"data\":[1],\"extra\":{\"k\":\"%s\"}}]}"
                }) {
            String[] parts = around.split("%s");
            byte[] head = parts[0].getBytes(UTF_8);
            byte[] tail = parts[1].getBytes(UTF_8);
            byte[] body = Arrays.copyOf(head, head.length + bytes.length + tail.length);
            System.arraycopy(bytes, 0, body, head.length, bytes.length);
            System.arraycopy(tail, 0, body, head.length + bytes.length, tail.length);
            bodies.add(body);
        }
        return bodies;
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"outputs\":null}", "{}", " { } ", "{\"outputs\":null,\"a\":[]}"})
    void noOutputsReadAsNone(String header) {
        assertThat(outputs(header, new byte[0])).isEmpty();
        assertSameAsTree(header, new byte[0]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"outputs\":[]} x",
                "{\"outputs\":[]} {}",
                "{\"outputs\":[]}]",
                "{\"outputs\":[]}{\"outputs\":[]}",
                "{\"outputs\":[]} 1",
                "{\"outputs\":[{\"name\":\"A\"}]} x"
            })
    void trailingTokensAreInvalidJson(String header) {
        assertThatThrownBy(() -> ResponseDecoder.outputs(body(header, new byte[0]), -1))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageStartingWith("Response: the header is not valid JSON (");
        assertSameAsTree(header, new byte[0]);
    }

    @Test
    void aFaultInATensorGivesWayToASyntaxErrorFurtherOn() {
        String header = "{\"outputs\":[{\"name\":\"A\"},{\"name\":\"B\"}],\"x\":[}";

        assertThatThrownBy(() -> ResponseDecoder.outputs(body(header, new byte[0]), -1))
                .hasMessageStartingWith("Response: the header is not valid JSON (");
        assertSameAsTree(header, new byte[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "[]", "[{\"outputs\":[]}]", "\"x\"", "1", "null", "true"})
    void aHeaderThatIsNoObjectSaysWhatItIs(String header) {
        assertThatThrownBy(() -> ResponseDecoder.outputs(body(header, new byte[0]), -1))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageStartingWith("Response: the header is not a JSON object but ");
        assertSameAsTree(header, new byte[0]);
    }

    /** Every fault of a tensor, and some that are none, in streamed and tree order alike. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"outputs\":{}}",
                "{\"outputs\":\"x\"}",
                "{\"outputs\":7}",
                "{\"outputs\":[1]}",
                "{\"outputs\":[null]}",
                "{\"outputs\":[[{\"name\":\"A\"}]]}",
                "{\"outputs\":[{}]}",
                "{\"outputs\":[{\"name\":\"\"}]}",
                "{\"outputs\":[{\"name\":7}]}",
                "{\"outputs\":[{\"name\":{\"a\":1}}]}",
                "{\"outputs\":[{\"name\":\"A\"}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"NOPE\"}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"AUTO\",\"shape\":[1],\"data\":[1]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":[\"INT32\"]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"a very long datatype that is"
                        + " cut in the message because it is long\"}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\"}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":2}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":null}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2,-1,3]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2,1.5,[3]]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2147483648]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\","
                        + "\"shape\":[99999999999999999999,null]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[\"2\"]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],\"data\":null}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":7,\"data\":[1,2]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":\"8\"}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":-8}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":8.0}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":4294967304}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":[8]}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],"
                        + "\"parameters\":{\"binary_data_size\":12}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[3],"
                        + "\"parameters\":{\"binary_data_size\":8}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[1],"
                        + "\"parameters\":{\"binary_data_size\":4}},"
                        + "{\"name\":\"B\",\"datatype\":\"INT32\",\"shape\":[1],"
                        + "\"parameters\":{\"binary_data_size\":4}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[1],"
                        + "\"parameters\":{\"binary_data_size\":4}}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[3],\"data\":[1,2]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":7}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[2],"
                        + "\"data\":[null,\"NaN\"]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT8\",\"shape\":[1],\"data\":[300]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"BYTES\",\"shape\":[2],"
                        + "\"data\":[\"a\",{\"b\":1}]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\","
                        + "\"shape\":[65536,65536],\"data\":[1]}]}",
                "{\"outputs\":[{\"name\":\"A\",\"datatype\":\"INT32\",\"shape\":[2],\"data\":[1,2]}"
            })
    void aTensorReadsAsInTheTree(String header) {
        assertSameAsTree(header, BINARY);
        assertSameAsTree(header, new byte[0]);
    }

    @Test
    void aHeaderLongerThanTheBodyIsReportedFirst() {
        byte[] body = "{\"outputs\":[]}".getBytes(UTF_8);

        assertThatThrownBy(() -> ResponseDecoder.outputs(body, body.length + 1))
                .hasMessage(
                        "Response: Inference-Header-Content-Length is "
                                + (body.length + 1)
                                + " but the body has only "
                                + body.length
                                + " bytes");
        assertThat(outcome(() -> ResponseDecoder.outputs(body, body.length + 1)))
                .isEqualTo(outcome(() -> TreeHeaderReader.outputs(body, body.length + 1)));
    }

    /**
     * Asserts that the body of {@code header} and {@code binary} reads as the tree read it: as a
     * response's outputs, and as a request's (strict, null no NaN) or a response's tensors.
     */
    static void assertSameAsTree(String header, byte[] binary) {
        byte[] body = body(header, binary);
        assertSameAsTree(body, binary.length == 0 ? -1 : body.length - binary.length);
    }

    /** {@link #assertSameAsTree(String, byte[])} of a whole body. */
    static void assertSameAsTree(byte[] body, int headerLength) {
        String tree = outcome(() -> TreeHeaderReader.outputs(body, headerLength));
        assertThat(outcome(() -> ResponseDecoder.outputs(body, headerLength)))
                .as("outputs of %s", new String(body, UTF_8))
                .isEqualTo(tree);
        List<Tensor> streamed = streamedAlone(body, headerLength);
        if (streamed != null) {
            assertThat(outcome(() -> streamed)).isEqualTo(tree);
        }
        JsonNode header;
        try {
            header = JsonHeaderReader.parse(body, headerLength, "Response");
        } catch (TritonProtocolException e) {
            return;
        }
        int start = headerLength < 0 ? body.length : headerLength;
        for (boolean strict : new boolean[] {true, false}) {
            JsonNode array = header.get("outputs");
            assertThat(
                            outcome(
                                    () ->
                                            JsonHeaderReader.tensors(
                                                    array, body, start, "input", "R", strict,
                                                    !strict)))
                    .as("tensors of %s", new String(body, UTF_8))
                    .isEqualTo(
                            outcome(
                                    () ->
                                            TreeHeaderReader.tensors(
                                                    array, body, start, "input", "R", strict,
                                                    !strict)));
        }
    }

    /** The tensors read, or the exception thrown, as text that tells them apart. */
    static String outcome(Supplier<List<Tensor>> read) {
        List<Tensor> tensors;
        try {
            tensors = read.get();
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
        List<String> described = new ArrayList<>();
        for (Tensor tensor : tensors) {
            described.add(
                    tensor.name()
                            + " "
                            + tensor.datatype()
                            + Arrays.toString(tensor.shape())
                            + " at "
                            + tensor.offset()
                            + " "
                            + HexFormat.of().formatHex(tensor.rawBytes()));
        }
        return described.toString();
    }

    /** The stream's own outputs of a body, or null when it leaves the body to the tree. */
    static List<Tensor> streamedAlone(byte[] body, int headerLength) {
        try {
            return JsonHeaderReader.streamedOutputs(body, headerLength, "Response");
        } catch (TritonProtocolException e) {
            return null; // the header is longer than the body
        }
    }

    /** The outputs of a body of {@code header} and {@code binary}, which the stream reads alone. */
    private static List<Tensor> outputs(String header, byte[] binary) {
        byte[] body = body(header, binary);
        int headerLength = binary.length == 0 ? -1 : body.length - binary.length;
        List<Tensor> outputs = ResponseDecoder.outputs(body, headerLength);
        assertThat(streamedAlone(body, headerLength)).as("streamed alone").isNotNull();
        return outputs;
    }

    private static byte[] body(String header, byte[] binary) {
        byte[] json = header.getBytes(UTF_8);
        byte[] body = Arrays.copyOf(json, json.length + binary.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);
        return body;
    }
}
