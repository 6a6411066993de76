package org.flinktriton.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.flinktriton.annotations.TritonDataType;

/**
 * Encodes a KServe v2 inference response, as a server sends it: model name and version, the
 * request's id, and output tensors, each as JSON {@code data} or binary. {@code FP16} and {@code
 * BF16} are always binary: Triton's JSON has no representation for them.
 */
public final class InferResponseMessage {
    private InferResponseMessage() {}

    /**
     * Encodes a response body.
     *
     * @param binary for each output, whether it travels binary
     */
    public static EncodedBody encode(
            String modelName,
            String modelVersion,
            String id,
            List<Tensor> outputs,
            boolean[] binary) {
        if (binary.length != outputs.size()) {
            throw new IllegalArgumentException(
                    binary.length + " binary flags for " + outputs.size() + " outputs");
        }
        boolean[] binaryOrHalf = binary.clone();
        for (int i = 0; i < binaryOrHalf.length; i++) {
            binaryOrHalf[i] |= mustBeBinary(outputs.get(i).datatype());
        }
        try {
            JsonHeaderWriter body = new JsonHeaderWriter();
            body.json().writeStartObject();
            body.json().writeStringField("model_name", modelName);
            if (modelVersion != null) {
                body.json().writeStringField("model_version", modelVersion);
            }
            if (id != null) {
                body.json().writeStringField("id", id);
            }
            body.tensors("outputs", outputs, binaryOrHalf);
            body.json().writeEndObject();
            return body.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a datatype cannot travel as JSON. */
    static boolean mustBeBinary(TritonDataType datatype) {
        return datatype == TritonDataType.FP16 || datatype == TritonDataType.BF16;
    }
}
