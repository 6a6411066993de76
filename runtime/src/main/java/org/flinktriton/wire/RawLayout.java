package org.flinktriton.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian views of byte arrays: Triton's raw tensor layout. */
final class RawLayout {
    static final VarHandle SHORT =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle FLOAT =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private RawLayout() {}

    /**
     * A little-endian view of {@code bytes} bytes of {@code buf} from {@code at}. Bulk transfers
     * through its typed views ({@code asFloatBuffer().put(float[])}) copy in one intrinsic pass,
     * several times faster than an element loop.
     */
    static ByteBuffer view(byte[] buf, int at, int bytes) {
        return ByteBuffer.wrap(buf, at, bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The unsigned 32-bit length prefix of a BYTES element at {@code offset}. */
    static long bytesLength(byte[] buf, int offset) {
        return Integer.toUnsignedLong((int) INT.get(buf, offset));
    }
}
