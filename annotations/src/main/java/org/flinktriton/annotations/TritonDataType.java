package org.flinktriton.annotations;

/**
 * The tensor element types of the KServe v2 protocol, as Triton names them on the wire.
 *
 * <p>{@link #AUTO} is not a wire type: it asks the annotation processor to infer the type from the
 * Java field, which works wherever the Java type maps to exactly one tensor type (see the README's
 * type table). {@code byte[]} is the one ambiguous case: it needs {@link #INT8}, {@link #UINT8} or
 * {@link #BYTES} spelled out.
 */
public enum TritonDataType {
    /** One byte per element, 0 or 1; Java {@code boolean}. */
    BOOL(1),
    /** Unsigned 8-bit; Java {@code byte} keeping the raw bits. */
    UINT8(1),
    /** Unsigned 16-bit; Java {@code short} keeping the raw bits. */
    UINT16(2),
    /** Unsigned 32-bit; Java {@code int} keeping the raw bits. */
    UINT32(4),
    /** Unsigned 64-bit; Java {@code long} keeping the raw bits. */
    UINT64(8),
    /** Signed 8-bit; Java {@code byte}. */
    INT8(1),
    /** Signed 16-bit; Java {@code short}. */
    INT16(2),
    /** Signed 32-bit; Java {@code int}. */
    INT32(4),
    /** Signed 64-bit; Java {@code long}. */
    INT64(8),
    /** IEEE 754 half precision; Java {@code float}, converted on the wire. Always sent binary. */
    FP16(2),
    /** IEEE 754 single precision; Java {@code float}. */
    FP32(4),
    /** IEEE 754 double precision; Java {@code double}. */
    FP64(8),
    /**
     * Variable-length byte strings: on the wire each element is a 4-byte little-endian length and
     * then its bytes; Java {@code String} (UTF-8) or {@code byte[]}.
     */
    BYTES(-1),
    /** bfloat16, the upper 16 bits of an FP32; Java {@code float}. Always sent binary. */
    BF16(2),
    /** Not a wire type: infer the datatype from the Java type. */
    AUTO(-1);

    private final int byteSize;

    TritonDataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * Bytes one element takes in Triton's raw binary layout, or {@code -1} for {@link #BYTES}
     * (variable) and {@link #AUTO} (not a wire type).
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Returns the type for a datatype name as it appears in KServe v2 JSON (for example {@code
     * "FP32"}), or {@code null} when the name is not a wire type.
     */
    public static TritonDataType fromWireName(String name) {
        if (name == null) {
            return null;
        }
        for (TritonDataType type : values()) {
            if (type != AUTO && type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
