package org.flinktriton.benchmarks.realserver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The body of one KServe v2 binary-extension request: the JSON header, then each input's records as
 * little-endian FP32, input after input. The floats are encoded when the body is written, into the
 * transport's buffer, so each request pays for its encoding.
 */
final class InferBody {
    final byte[] header;
    private final float[][][] inputs; // [input][record][element]
    private final int tensorBytes;

    InferBody(byte[] header, float[][][] inputs, int width) {
        this.header = header;
        this.inputs = inputs;
        this.tensorBytes = inputs.length * inputs[0].length * width * Float.BYTES;
    }

    /** Bytes of the whole body: the value of {@code Content-Length}. */
    int length() {
        return header.length + tensorBytes;
    }

    /** Writes the {@link #length()} bytes of the body into {@code target} from {@code offset}. */
    void writeTo(byte[] target, int offset) {
        System.arraycopy(header, 0, target, offset, header.length);
        FloatBuffer floats =
                ByteBuffer.wrap(target, offset + header.length, tensorBytes)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
        for (float[][] input : inputs) {
            for (float[] record : input) {
                floats.put(record);
            }
        }
    }
}
