package org.flinktriton.codec;

/**
 * Where a generated {@link TritonInputCodec} appends tensor values, in Triton's raw layout
 * (little-endian, row-major, no padding). The wire layer owns the buffer behind it; generated code
 * only calls these methods, one call per scalar or per primitive array (rows of a multi-dimensional
 * array one after the other).
 *
 * <p>{@code INT8} and {@code UINT8} share the byte methods, and likewise the 16-, 32- and 64-bit
 * signed and unsigned types: an unsigned value travels as its raw bits. A {@code BYTES} element is
 * written with {@link #writeString} (UTF-8) or {@link #writeBytes}.
 */
public abstract class TensorWriter {
    /** For the wire layer's implementation. */
    protected TensorWriter() {}

    public abstract void writeBool(boolean value);

    public abstract void writeBools(boolean[] values);

    public abstract void writeInt8(byte value);

    public abstract void writeInt8s(byte[] values);

    public abstract void writeInt16(short value);

    public abstract void writeInt16s(short[] values);

    public abstract void writeInt32(int value);

    public abstract void writeInt32s(int[] values);

    public abstract void writeInt64(long value);

    public abstract void writeInt64s(long[] values);

    /** Writes an IEEE half-precision value, rounded to nearest even. */
    public abstract void writeFp16(float value);

    public abstract void writeFp16s(float[] values);

    /** Writes a bfloat16 value (the upper half of the FP32 pattern), rounded to nearest even. */
    public abstract void writeBf16(float value);

    public abstract void writeBf16s(float[] values);

    public abstract void writeFp32(float value);

    public abstract void writeFp32s(float[] values);

    public abstract void writeFp64(double value);

    public abstract void writeFp64s(double[] values);

    /** Writes one {@code BYTES} element: its UTF-8 length, then its UTF-8 bytes. */
    public abstract void writeString(String value);

    /** Writes one {@code BYTES} element: its length, then the bytes. */
    public abstract void writeBytes(byte[] value);
}
