package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;

/**
 * One whole tensor of a request or a response, as the protocol sees it: a name, a datatype, a full
 * shape (with the batch dimension, if the model has one) and the elements in Triton's raw layout
 * (little-endian, row-major; {@code BYTES} as 4-byte length + bytes per element). Immutable; the
 * bytes may be a slice of a larger body, shared, never copied on read.
 *
 * <p>This is the untyped view that servers and tools work with (the testkit's models receive and
 * return {@code Tensor}s). Jobs use annotated classes and their generated codecs instead.
 *
 * <pre>{@code
 * Tensor scores = Tensor.ofFloats("SCORES", TritonDataType.FP32, new long[] {2, 3}, values);
 * float[] back = scores.toFloats();
 * }</pre>
 */
public final class Tensor {
    private final String name;
    private final TritonDataType datatype;
    private final long[] shape;
    private final int elementCount;
    private final byte[] buf;
    private final int offset;
    private final int length;

    private Tensor(
            String name,
            TritonDataType datatype,
            long[] shape,
            int elementCount,
            byte[] buf,
            int offset,
            int length) {
        this.name = name;
        this.datatype = datatype;
        this.shape = shape;
        this.elementCount = elementCount;
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    /**
     * A tensor over {@code length} raw bytes of {@code buf} from {@code offset} (not copied).
     *
     * @throws TritonProtocolException when the shape has a negative dimension, the datatype is
     *     {@code AUTO}, or the bytes do not hold exactly the shape's number of elements
     */
    public static Tensor ofRaw(
            String name,
            TritonDataType datatype,
            long[] shape,
            byte[] buf,
            int offset,
            int length) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        Objects.requireNonNull(buf, "buf");
        if (datatype == TritonDataType.AUTO) {
            throw new TritonProtocolException("Tensor '" + name + "': AUTO is not a datatype");
        }
        if (offset < 0 || length < 0 || offset > buf.length - length) {
            throw new TritonProtocolException(
                    "Tensor '"
                            + name
                            + "': bytes ["
                            + offset
                            + ", "
                            + ((long) offset + length)
                            + ") lie outside a body of "
                            + buf.length
                            + " bytes");
        }
        int count = elementCount(name, shape);
        if (datatype == TritonDataType.BYTES) {
            int found = countBytesElements(buf, offset, length, count, name);
            if (found != count) {
                throw new TritonProtocolException(
                        "Tensor '"
                                + name
                                + "' (BYTES"
                                + Arrays.toString(shape)
                                + "): shape holds "
                                + count
                                + " elements but the data holds "
                                + found);
            }
        } else if ((long) count * datatype.byteSize() != length) {
            throw new TritonProtocolException(
                    "Tensor '"
                            + name
                            + "' ("
                            + datatype
                            + Arrays.toString(shape)
                            + "): expected "
                            + (long) count * datatype.byteSize()
                            + " bytes for "
                            + count
                            + " elements, found "
                            + length);
        }
        return new Tensor(name, datatype, shape.clone(), count, buf, offset, length);
    }

    /** A tensor over the whole of {@code raw} (not copied). */
    public static Tensor ofRaw(String name, TritonDataType datatype, long[] shape, byte[] raw) {
        return ofRaw(name, datatype, shape, raw, 0, raw.length);
    }

    /** The product of the dimensions, checked to be non-negative and to fit an array. */
    static int elementCount(String name, long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new TritonProtocolException(
                        "Tensor '"
                                + name
                                + "': shape "
                                + Arrays.toString(shape)
                                + " has a negative dimension");
            }
            count *= dim;
            if (count > Integer.MAX_VALUE) {
                throw new TritonProtocolException(
                        "Tensor '"
                                + name
                                + "': shape "
                                + Arrays.toString(shape)
                                + " has more elements than fit in memory");
            }
        }
        return (int) count;
    }

    /**
     * Walks the length prefixes of BYTES data and returns how many elements it holds; fails when a
     * prefix points past the data, or when it holds more than {@code limit} elements.
     */
    static int countBytesElements(byte[] buf, int offset, int length, int limit, String name) {
        int end = offset + length;
        int at = offset;
        int count = 0;
        while (at < end) {
            if (end - at < 4) {
                throw new TritonProtocolException(
                        "Tensor '"
                                + name
                                + "' (BYTES): element "
                                + count
                                + " has a truncated 4-byte length prefix");
            }
            long elementLength = RawLayout.bytesLength(buf, at);
            if (elementLength > end - at - 4) {
                throw new TritonProtocolException(
                        "Tensor '"
                                + name
                                + "' (BYTES): element "
                                + count
                                + " claims "
                                + elementLength
                                + " bytes but only "
                                + (end - at - 4)
                                + " remain in the tensor");
            }
            at += 4 + (int) elementLength;
            if (++count > limit) {
                throw new TritonProtocolException(
                        "Tensor '"
                                + name
                                + "' (BYTES): the data holds more than the "
                                + limit
                                + " elements its shape allows");
            }
        }
        return count;
    }

    public String name() {
        return name;
    }

    public TritonDataType datatype() {
        return datatype;
    }

    /** The full shape, with the batch dimension if there is one; a copy. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements (the product of the shape). */
    public int elementCount() {
        return elementCount;
    }

    /** The number of raw bytes. */
    public int byteLength() {
        return length;
    }

    /** The same data under another name. */
    public Tensor withName(String newName) {
        return new Tensor(
                Objects.requireNonNull(newName),
                datatype,
                shape,
                elementCount,
                buf,
                offset,
                length);
    }

    /** A read-only little-endian view of the raw bytes. */
    public ByteBuffer data() {
        return ByteBuffer.wrap(buf, offset, length)
                .slice()
                .asReadOnlyBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the raw bytes. */
    public byte[] rawBytes() {
        return Arrays.copyOfRange(buf, offset, offset + length);
    }

    byte[] buffer() {
        return buf;
    }

    int offset() {
        return offset;
    }

    // ---- typed views -------------------------------------------------------------------------

    /** The elements of a {@code BOOL} tensor. */
    public boolean[] toBools() {
        require(TritonDataType.BOOL);
        boolean[] values = new boolean[elementCount];
        for (int i = 0; i < values.length; i++) {
            values[i] = buf[offset + i] != 0;
        }
        return values;
    }

    /** The elements of an {@code INT8} or {@code UINT8} tensor (UINT8 as raw bits). */
    public byte[] toInt8s() {
        require(TritonDataType.INT8, TritonDataType.UINT8);
        return rawBytes();
    }

    /** The elements of an {@code INT16} or {@code UINT16} tensor (UINT16 as raw bits). */
    public short[] toInt16s() {
        require(TritonDataType.INT16, TritonDataType.UINT16);
        short[] values = new short[elementCount];
        RawLayout.view(buf, offset, length).asShortBuffer().get(values);
        return values;
    }

    /** The elements of an {@code INT32} or {@code UINT32} tensor (UINT32 as raw bits). */
    public int[] toInt32s() {
        require(TritonDataType.INT32, TritonDataType.UINT32);
        int[] values = new int[elementCount];
        RawLayout.view(buf, offset, length).asIntBuffer().get(values);
        return values;
    }

    /** The elements of an {@code INT64} or {@code UINT64} tensor (UINT64 as raw bits). */
    public long[] toInt64s() {
        require(TritonDataType.INT64, TritonDataType.UINT64);
        long[] values = new long[elementCount];
        RawLayout.view(buf, offset, length).asLongBuffer().get(values);
        return values;
    }

    /** The elements of an {@code FP32}, {@code FP16} or {@code BF16} tensor. */
    public float[] toFloats() {
        require(TritonDataType.FP32, TritonDataType.FP16, TritonDataType.BF16);
        float[] values = new float[elementCount];
        if (datatype == TritonDataType.FP32) {
            RawLayout.view(buf, offset, length).asFloatBuffer().get(values);
        } else if (datatype == TritonDataType.FP16) {
            for (int i = 0; i < values.length; i++) {
                values[i] = HalfFloats.fromHalf((short) RawLayout.SHORT.get(buf, offset + 2 * i));
            }
        } else {
            for (int i = 0; i < values.length; i++) {
                values[i] = HalfFloats.fromBf16((short) RawLayout.SHORT.get(buf, offset + 2 * i));
            }
        }
        return values;
    }

    /** The elements of an {@code FP64} tensor. */
    public double[] toDoubles() {
        require(TritonDataType.FP64);
        double[] values = new double[elementCount];
        RawLayout.view(buf, offset, length).asDoubleBuffer().get(values);
        return values;
    }

    /** The elements of a {@code BYTES} tensor. */
    public byte[][] toByteArrays() {
        require(TritonDataType.BYTES);
        byte[][] values = new byte[elementCount][];
        int at = offset;
        for (int i = 0; i < values.length; i++) {
            int elementLength = (int) RawLayout.bytesLength(buf, at);
            values[i] = Arrays.copyOfRange(buf, at + 4, at + 4 + elementLength);
            at += 4 + elementLength;
        }
        return values;
    }

    /** The elements of a {@code BYTES} tensor, decoded as UTF-8. */
    public String[] toStrings() {
        require(TritonDataType.BYTES);
        String[] values = new String[elementCount];
        int at = offset;
        for (int i = 0; i < values.length; i++) {
            int elementLength = (int) RawLayout.bytesLength(buf, at);
            values[i] = new String(buf, at + 4, elementLength, UTF_8);
            at += 4 + elementLength;
        }
        return values;
    }

    private void require(TritonDataType... allowed) {
        for (TritonDataType type : allowed) {
            if (datatype == type) {
                return;
            }
        }
        throw new IllegalStateException(
                "Tensor '"
                        + name
                        + "' is "
                        + datatype
                        + ", not "
                        + Arrays.toString(allowed)
                        + "; use the matching to…() view");
    }

    // ---- typed factories ---------------------------------------------------------------------

    /** A {@code BOOL} tensor. */
    public static Tensor ofBools(String name, long[] shape, boolean[] values) {
        RawTensorWriter out = new RawTensorWriter(values.length);
        out.writeBools(values);
        return of(name, TritonDataType.BOOL, shape, out);
    }

    /** An {@code INT8} or {@code UINT8} tensor. */
    public static Tensor ofInt8s(
            String name, TritonDataType datatype, long[] shape, byte[] values) {
        check(name, datatype, TritonDataType.INT8, TritonDataType.UINT8);
        RawTensorWriter out = new RawTensorWriter(values.length);
        out.writeInt8s(values);
        return of(name, datatype, shape, out);
    }

    /** An {@code INT16} or {@code UINT16} tensor. */
    public static Tensor ofInt16s(
            String name, TritonDataType datatype, long[] shape, short[] values) {
        check(name, datatype, TritonDataType.INT16, TritonDataType.UINT16);
        RawTensorWriter out = new RawTensorWriter(2 * values.length);
        out.writeInt16s(values);
        return of(name, datatype, shape, out);
    }

    /** An {@code INT32} or {@code UINT32} tensor. */
    public static Tensor ofInt32s(
            String name, TritonDataType datatype, long[] shape, int[] values) {
        check(name, datatype, TritonDataType.INT32, TritonDataType.UINT32);
        RawTensorWriter out = new RawTensorWriter(4 * values.length);
        out.writeInt32s(values);
        return of(name, datatype, shape, out);
    }

    /** An {@code INT64} or {@code UINT64} tensor. */
    public static Tensor ofInt64s(
            String name, TritonDataType datatype, long[] shape, long[] values) {
        check(name, datatype, TritonDataType.INT64, TritonDataType.UINT64);
        RawTensorWriter out = new RawTensorWriter(8 * values.length);
        out.writeInt64s(values);
        return of(name, datatype, shape, out);
    }

    /** An {@code FP32}, {@code FP16} or {@code BF16} tensor (16-bit types rounded to nearest). */
    public static Tensor ofFloats(
            String name, TritonDataType datatype, long[] shape, float[] values) {
        check(name, datatype, TritonDataType.FP32, TritonDataType.FP16, TritonDataType.BF16);
        RawTensorWriter out = new RawTensorWriter(datatype.byteSize() * values.length);
        if (datatype == TritonDataType.FP32) {
            out.writeFp32s(values);
        } else if (datatype == TritonDataType.FP16) {
            out.writeFp16s(values);
        } else {
            out.writeBf16s(values);
        }
        return of(name, datatype, shape, out);
    }

    /** An {@code FP64} tensor. */
    public static Tensor ofDoubles(String name, long[] shape, double[] values) {
        RawTensorWriter out = new RawTensorWriter(8 * values.length);
        out.writeFp64s(values);
        return of(name, TritonDataType.FP64, shape, out);
    }

    /** A {@code BYTES} tensor of UTF-8 strings. */
    public static Tensor ofStrings(String name, long[] shape, String[] values) {
        RawTensorWriter out = new RawTensorWriter(16 * values.length);
        for (String value : values) {
            out.writeString(value);
        }
        return of(name, TritonDataType.BYTES, shape, out);
    }

    /** A {@code BYTES} tensor. */
    public static Tensor ofByteArrays(String name, long[] shape, byte[][] values) {
        RawTensorWriter out = new RawTensorWriter(16 * values.length);
        for (byte[] value : values) {
            out.writeBytes(value);
        }
        return of(name, TritonDataType.BYTES, shape, out);
    }

    private static Tensor of(
            String name, TritonDataType datatype, long[] shape, RawTensorWriter written) {
        try {
            return ofRaw(name, datatype, shape, written.buffer(), 0, written.position());
        } catch (TritonProtocolException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static void check(String name, TritonDataType datatype, TritonDataType... allowed) {
        for (TritonDataType type : allowed) {
            if (datatype == type) {
                return;
            }
        }
        throw new IllegalArgumentException(
                "Tensor '"
                        + name
                        + "': datatype "
                        + datatype
                        + " does not fit these values; expected one of "
                        + Arrays.toString(allowed));
    }

    /** For example {@code OUTPUT0 FP32[4, 16]}. */
    @Override
    public String toString() {
        return name + " " + datatype + Arrays.toString(shape);
    }
}
