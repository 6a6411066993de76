package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.codec.TensorReader;

/**
 * Reads one record at a time from whole output tensors in the raw layout. Each output has a cursor
 * bounded by the current record's slice; a read past it is a {@link TritonProtocolException}, never
 * an index error.
 */
final class RawTensorReader extends TensorReader {
    private final String[] names;
    private final byte[][] bufs;
    private final int[] bases;
    private final int[] recordBytes;
    private final int[][] recordStarts;
    private final int[][] shapes;
    private final int[] counts;
    private final int[] pos;
    private final int[] end;
    private final String context;

    RawTensorReader(int outputs, String context) {
        this.names = new String[outputs];
        this.bufs = new byte[outputs][];
        this.bases = new int[outputs];
        this.recordBytes = new int[outputs];
        this.recordStarts = new int[outputs][];
        this.shapes = new int[outputs][];
        this.counts = new int[outputs];
        this.pos = new int[outputs];
        this.end = new int[outputs];
        this.context = context;
    }

    /**
     * Sets output {@code o} to {@code tensor}, whose records each have {@code shape} and {@code
     * count} elements; for BYTES, {@code starts} holds the offset of each record's first element
     * and, last, the tensor's end.
     */
    void set(int o, Tensor tensor, int[] shape, int count, int[] starts) {
        names[o] = tensor.name();
        bufs[o] = tensor.buffer();
        bases[o] = tensor.offset();
        shapes[o] = shape;
        counts[o] = count;
        recordStarts[o] = starts;
        recordBytes[o] = starts == null ? count * tensor.datatype().byteSize() : -1;
    }

    /** Positions every output's cursor at record {@code r}. */
    void record(int r) {
        for (int o = 0; o < bufs.length; o++) {
            if (recordStarts[o] != null) {
                pos[o] = recordStarts[o][r];
                end[o] = recordStarts[o][r + 1];
            } else {
                pos[o] = bases[o] + r * recordBytes[o];
                end[o] = pos[o] + recordBytes[o];
            }
        }
    }

    /** Advances output {@code o}'s cursor by {@code bytes} and returns where it was. */
    private int take(int o, long bytes) {
        int at = pos[o];
        if (bytes > end[o] - at) {
            throw new TritonProtocolException(
                    context
                            + ": output '"
                            + names[o]
                            + "' holds fewer bytes for this record than its shape "
                            + Arrays.toString(shapes[o])
                            + " needs");
        }
        pos[o] = at + (int) bytes;
        return at;
    }

    @Override
    public int[] shape(int output) {
        return shapes[output].clone();
    }

    @Override
    public int elementCount(int output) {
        return counts[output];
    }

    @Override
    public boolean readBool(int output) {
        return bufs[output][take(output, 1)] != 0;
    }

    @Override
    public boolean[] readBools(int output, int count) {
        int at = take(output, count);
        byte[] buf = bufs[output];
        boolean[] values = new boolean[count];
        for (int i = 0; i < count; i++) {
            values[i] = buf[at + i] != 0;
        }
        return values;
    }

    @Override
    public byte readInt8(int output) {
        return bufs[output][take(output, 1)];
    }

    @Override
    public byte[] readInt8s(int output, int count) {
        int at = take(output, count);
        return Arrays.copyOfRange(bufs[output], at, at + count);
    }

    @Override
    public short readInt16(int output) {
        return (short) RawLayout.SHORT.get(bufs[output], take(output, 2));
    }

    @Override
    public short[] readInt16s(int output, int count) {
        int at = take(output, 2L * count);
        short[] values = new short[count];
        RawLayout.view(bufs[output], at, 2 * count).asShortBuffer().get(values);
        return values;
    }

    @Override
    public int readInt32(int output) {
        return (int) RawLayout.INT.get(bufs[output], take(output, 4));
    }

    @Override
    public int[] readInt32s(int output, int count) {
        int at = take(output, 4L * count);
        int[] values = new int[count];
        RawLayout.view(bufs[output], at, 4 * count).asIntBuffer().get(values);
        return values;
    }

    @Override
    public long readInt64(int output) {
        return (long) RawLayout.LONG.get(bufs[output], take(output, 8));
    }

    @Override
    public long[] readInt64s(int output, int count) {
        int at = take(output, 8L * count);
        long[] values = new long[count];
        RawLayout.view(bufs[output], at, 8 * count).asLongBuffer().get(values);
        return values;
    }

    @Override
    public float readFp16(int output) {
        return HalfFloats.fromHalf((short) RawLayout.SHORT.get(bufs[output], take(output, 2)));
    }

    @Override
    public float[] readFp16s(int output, int count) {
        int at = take(output, 2L * count);
        byte[] buf = bufs[output];
        float[] values = new float[count];
        for (int i = 0; i < count; i++, at += 2) {
            values[i] = HalfFloats.fromHalf((short) RawLayout.SHORT.get(buf, at));
        }
        return values;
    }

    @Override
    public float readBf16(int output) {
        return HalfFloats.fromBf16((short) RawLayout.SHORT.get(bufs[output], take(output, 2)));
    }

    @Override
    public float[] readBf16s(int output, int count) {
        int at = take(output, 2L * count);
        byte[] buf = bufs[output];
        float[] values = new float[count];
        for (int i = 0; i < count; i++, at += 2) {
            values[i] = HalfFloats.fromBf16((short) RawLayout.SHORT.get(buf, at));
        }
        return values;
    }

    @Override
    public float readFp32(int output) {
        return (float) RawLayout.FLOAT.get(bufs[output], take(output, 4));
    }

    @Override
    public float[] readFp32s(int output, int count) {
        int at = take(output, 4L * count);
        float[] values = new float[count];
        RawLayout.view(bufs[output], at, 4 * count).asFloatBuffer().get(values);
        return values;
    }

    @Override
    public double readFp64(int output) {
        return (double) RawLayout.DOUBLE.get(bufs[output], take(output, 8));
    }

    @Override
    public double[] readFp64s(int output, int count) {
        int at = take(output, 8L * count);
        double[] values = new double[count];
        RawLayout.view(bufs[output], at, 8 * count).asDoubleBuffer().get(values);
        return values;
    }

    @Override
    public String readString(int output) {
        int at = take(output, 4);
        int length = (int) Math.min(Integer.MAX_VALUE, RawLayout.bytesLength(bufs[output], at));
        return new String(bufs[output], take(output, length), length, UTF_8);
    }

    @Override
    public byte[] readBytes(int output) {
        int at = take(output, 4);
        int length = (int) Math.min(Integer.MAX_VALUE, RawLayout.bytesLength(bufs[output], at));
        int from = take(output, length);
        return Arrays.copyOfRange(bufs[output], from, from + length);
    }
}
