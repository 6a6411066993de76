package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import org.flinktriton.TritonException;
import org.flinktriton.codec.TensorWriter;

/**
 * Appends values to one growable byte array in Triton's raw layout. Sized up front from the
 * records' shapes, so that a batch of fixed-size tensors is written without a single copy.
 */
final class RawTensorWriter extends TensorWriter {
    /** Java arrays stop a little short of Integer.MAX_VALUE. */
    private static final int MAX_SIZE = Integer.MAX_VALUE - 16;

    private byte[] buf;
    private int pos;

    RawTensorWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    int position() {
        return pos;
    }

    byte[] buffer() {
        return buf;
    }

    private int reserve(long bytes) {
        if (bytes > buf.length - pos) {
            grow(bytes);
        }
        int at = pos;
        pos += (int) bytes;
        return at;
    }

    private void grow(long bytes) {
        long needed = pos + bytes;
        if (needed > MAX_SIZE) {
            throw new TritonException(
                    "A request body would exceed 2 GB ("
                            + needed
                            + " bytes); send smaller batches");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(MAX_SIZE, Math.max(needed, 2L * buf.length)));
    }

    @Override
    public void writeBool(boolean value) {
        buf[reserve(1)] = (byte) (value ? 1 : 0);
    }

    @Override
    public void writeBools(boolean[] values) {
        int at = reserve(values.length);
        for (int i = 0; i < values.length; i++) {
            buf[at + i] = (byte) (values[i] ? 1 : 0);
        }
    }

    @Override
    public void writeInt8(byte value) {
        buf[reserve(1)] = value;
    }

    @Override
    public void writeInt8s(byte[] values) {
        System.arraycopy(values, 0, buf, reserve(values.length), values.length);
    }

    @Override
    public void writeInt16(short value) {
        RawLayout.SHORT.set(buf, reserve(2), value);
    }

    @Override
    public void writeInt16s(short[] values) {
        int at = reserve(2L * values.length);
        RawLayout.view(buf, at, 2 * values.length).asShortBuffer().put(values);
    }

    @Override
    public void writeInt32(int value) {
        RawLayout.INT.set(buf, reserve(4), value);
    }

    @Override
    public void writeInt32s(int[] values) {
        int at = reserve(4L * values.length);
        RawLayout.view(buf, at, 4 * values.length).asIntBuffer().put(values);
    }

    @Override
    public void writeInt64(long value) {
        RawLayout.LONG.set(buf, reserve(8), value);
    }

    @Override
    public void writeInt64s(long[] values) {
        int at = reserve(8L * values.length);
        RawLayout.view(buf, at, 8 * values.length).asLongBuffer().put(values);
    }

    @Override
    public void writeFp16(float value) {
        RawLayout.SHORT.set(buf, reserve(2), HalfFloats.toHalf(value));
    }

    @Override
    public void writeFp16s(float[] values) {
        int at = reserve(2L * values.length);
        for (float value : values) {
            RawLayout.SHORT.set(buf, at, HalfFloats.toHalf(value));
            at += 2;
        }
    }

    @Override
    public void writeBf16(float value) {
        RawLayout.SHORT.set(buf, reserve(2), HalfFloats.toBf16(value));
    }

    @Override
    public void writeBf16s(float[] values) {
        int at = reserve(2L * values.length);
        for (float value : values) {
            RawLayout.SHORT.set(buf, at, HalfFloats.toBf16(value));
            at += 2;
        }
    }

    @Override
    public void writeFp32(float value) {
        RawLayout.FLOAT.set(buf, reserve(4), value);
    }

    @Override
    public void writeFp32s(float[] values) {
        int at = reserve(4L * values.length);
        RawLayout.view(buf, at, 4 * values.length).asFloatBuffer().put(values);
    }

    @Override
    public void writeFp64(double value) {
        RawLayout.DOUBLE.set(buf, reserve(8), value);
    }

    @Override
    public void writeFp64s(double[] values) {
        int at = reserve(8L * values.length);
        RawLayout.view(buf, at, 8 * values.length).asDoubleBuffer().put(values);
    }

    @Override
    public void writeString(String value) {
        writeBytes(value.getBytes(UTF_8));
    }

    @Override
    public void writeBytes(byte[] value) {
        int at = reserve(4L + value.length);
        RawLayout.INT.set(buf, at, value.length);
        System.arraycopy(value, 0, buf, at + 4, value.length);
    }
}
