package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON {@code data} of responses: KServe's Python server writes NaN and ±infinity as {@code null},
 * which reads as NaN in a floating-point tensor and stays an error everywhere else.
 */
class JsonDataTest {

    @ParameterizedTest
    @ValueSource(strings = {"FP16", "BF16", "FP32"})
    void nullInASinglePrecisionOutputIsNaN(String datatype) {
        Tensor tensor = output(datatype, "[2,2]", "[[1.5,null],[null,-2]]");

        assertThat(tensor.toFloats()).containsExactly(1.5f, Float.NaN, Float.NaN, -2f);
    }

    @Test
    void nullInADoubleOutputIsNaN() {
        Tensor tensor = output("FP64", "[3]", "[null,0.25,\"Infinity\"]");

        assertThat(tensor.toDoubles()).containsExactly(Double.NaN, 0.25, Double.POSITIVE_INFINITY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT8", "UINT8", "INT32", "INT64", "UINT64", "BOOL", "BYTES"})
    void nullInAnyOtherOutputIsStillAnError(String datatype) {
        assertThatThrownBy(() -> output(datatype, "[2]", "[null,1]"))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("output 'OUT'")
                .hasMessageContaining("data element 0 is null, not a " + datatype);
    }

    @Test
    void nullInARequestIsStillAnError() {
        String json =
                "{\"inputs\":[{\"name\":\"IN\",\"datatype\":\"FP32\",\"shape\":[2],"
                        + "\"data\":[1,null]}]}";

        assertThatThrownBy(() -> InferRequestMessage.parse(json.getBytes(UTF_8), -1))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessageContaining("input 'IN'")
                .hasMessageContaining("data element 1 is null, not a FP32");
    }

    private static Tensor output(String datatype, String shape, String data) {
        byte[] body =
                ("{\"outputs\":[{\"name\":\"OUT\",\"datatype\":\""
                                + datatype
                                + "\",\"shape\":"
                                + shape
                                + ",\"data\":"
                                + data
                                + "}]}")
                        .getBytes(UTF_8);
        JsonNode header = JsonHeaderReader.parse(body, -1, "Response");
        List<Tensor> tensors =
                JsonHeaderReader.tensors(
                        header.get("outputs"),
                        body,
                        body.length,
                        "output",
                        "Response",
                        false,
                        true);
        return tensors.get(0);
    }
}
