package org.flinktriton.benchmarks.realserver;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The body of a binary-extension response, {@code length} bytes of {@code bytes} from {@code
 * offset}: a JSON header of {@code headerLength} bytes (the {@code
 * inference-header-content-length}), then the outputs' raw bytes in the order the header lists
 * them. The bytes may be a transport's reusable buffer: decode before the next request.
 */
record InferResponse(byte[] bytes, int offset, int length, int headerLength) {
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Each of {@code workload}'s outputs as a new {@code float[]} per record ([output][record]
     * [element]), found from the header's {@code binary_data_size} parameters with a streaming
     * parse.
     */
    float[][][] decode(FloorWorkload workload) throws IOException {
        if (headerLength <= 0 || headerLength > length) {
            throw new IOException(
                    "inference-header-content-length " + headerLength + " in a body of " + length);
        }
        String[] names = workload.outputNames;
        int[] sizes = new int[names.length];
        int[] offsets = new int[names.length];
        Arrays.fill(offsets, -1);
        int data = offset + headerLength;
        try (JsonParser json = JSON.createParser(bytes, offset, headerLength)) {
            expect(json.nextToken(), JsonToken.START_OBJECT);
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (!field.equals("outputs")) {
                    json.skipChildren();
                    continue;
                }
                expect(value, JsonToken.START_ARRAY);
                while (json.nextToken() == JsonToken.START_OBJECT) {
                    String name = null;
                    int size = -1;
                    while (json.nextToken() == JsonToken.FIELD_NAME) {
                        String key = json.currentName();
                        json.nextToken();
                        if (key.equals("name")) {
                            name = json.getText();
                        } else if (key.equals("parameters")) {
                            while (json.nextToken() == JsonToken.FIELD_NAME) {
                                boolean isSize = json.currentName().equals("binary_data_size");
                                json.nextToken();
                                if (isSize) {
                                    size = json.getIntValue();
                                } else {
                                    json.skipChildren();
                                }
                            }
                        } else {
                            json.skipChildren();
                        }
                    }
                    if (size < 0) {
                        throw new IOException("output " + name + " is not binary: " + header());
                    }
                    for (int o = 0; o < names.length; o++) {
                        if (names[o].equals(name)) {
                            sizes[o] = size;
                            offsets[o] = data;
                        }
                    }
                    data += size;
                }
            }
        }
        if (data != offset + length) {
            throw new IOException(
                    "the header's outputs take "
                            + (data - offset - headerLength)
                            + " bytes, the body has "
                            + (length - headerLength)
                            + ": "
                            + header());
        }
        int records = workload.records;
        int width = workload.width;
        float[][][] outputs = new float[names.length][records][];
        for (int o = 0; o < names.length; o++) {
            if (offsets[o] < 0 || sizes[o] != records * width * Float.BYTES) {
                throw new IOException(
                        "output "
                                + names[o]
                                + " missing or not FP32["
                                + records
                                + ","
                                + width
                                + "]: "
                                + header());
            }
            FloatBuffer floats =
                    ByteBuffer.wrap(bytes, offsets[o], sizes[o])
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer();
            for (int r = 0; r < records; r++) {
                float[] record = new float[width];
                floats.get(record);
                outputs[o][r] = record;
            }
        }
        return outputs;
    }

    private static void expect(JsonToken got, JsonToken want) throws IOException {
        if (got != want) {
            throw new IOException("response header: expected " + want + ", got " + got);
        }
    }

    private String header() {
        return new String(bytes, offset, headerLength, StandardCharsets.UTF_8);
    }
}
