package org.flinktriton.codec;

/**
 * Where a generated {@link TritonOutputCodec} reads one record's output values from. Outputs are
 * addressed by their index in {@link TritonOutputCodec#outputs()}; each output has its own cursor,
 * positioned at the start of the current record's value, that every read advances.
 *
 * <p>The wire layer checks, before a codec reads, that every output is present with the declared
 * datatype, that its per-record shape matches the declared fixed dimensions, and that its bytes
 * cover the shape, so that reads of {@link #elementCount} elements in total stay in bounds.
 * Unsigned types read as their raw bits, as in {@link TensorWriter}.
 */
public abstract class TensorReader {
    /** For the wire layer's implementation. */
    protected TensorReader() {}

    /** The current record's shape of output {@code output}, without the batch dimension. */
    public abstract int[] shape(int output);

    /** The number of elements in the current record's value of output {@code output}. */
    public abstract int elementCount(int output);

    public abstract boolean readBool(int output);

    public abstract boolean[] readBools(int output, int count);

    public abstract byte readInt8(int output);

    public abstract byte[] readInt8s(int output, int count);

    public abstract short readInt16(int output);

    public abstract short[] readInt16s(int output, int count);

    public abstract int readInt32(int output);

    public abstract int[] readInt32s(int output, int count);

    public abstract long readInt64(int output);

    public abstract long[] readInt64s(int output, int count);

    public abstract float readFp16(int output);

    public abstract float[] readFp16s(int output, int count);

    public abstract float readBf16(int output);

    public abstract float[] readBf16s(int output, int count);

    public abstract float readFp32(int output);

    public abstract float[] readFp32s(int output, int count);

    public abstract double readFp64(int output);

    public abstract double[] readFp64s(int output, int count);

    /** Reads one {@code BYTES} element as UTF-8 text. */
    public abstract String readString(int output);

    /** Reads one {@code BYTES} element. */
    public abstract byte[] readBytes(int output);
}
