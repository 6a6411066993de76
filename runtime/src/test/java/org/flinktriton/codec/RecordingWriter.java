package org.flinktriton.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TensorWriter} that records each call as {@code method(length)} or {@code method=value},
 * to show how generated code drives the writer.
 */
final class RecordingWriter extends TensorWriter {
    final List<String> calls = new ArrayList<>();

    private void array(String method, int length) {
        calls.add(method + "(" + length + ")");
    }

    private void scalar(String method, Object value) {
        calls.add(method + "=" + value);
    }

    @Override
    public void writeBool(boolean value) {
        scalar("writeBool", value);
    }

    @Override
    public void writeBools(boolean[] values) {
        array("writeBools", values.length);
    }

    @Override
    public void writeInt8(byte value) {
        scalar("writeInt8", value);
    }

    @Override
    public void writeInt8s(byte[] values) {
        array("writeInt8s", values.length);
    }

    @Override
    public void writeInt16(short value) {
        scalar("writeInt16", value);
    }

    @Override
    public void writeInt16s(short[] values) {
        array("writeInt16s", values.length);
    }

    @Override
    public void writeInt32(int value) {
        scalar("writeInt32", value);
    }

    @Override
    public void writeInt32s(int[] values) {
        array("writeInt32s", values.length);
    }

    @Override
    public void writeInt64(long value) {
        scalar("writeInt64", value);
    }

    @Override
    public void writeInt64s(long[] values) {
        array("writeInt64s", values.length);
    }

    @Override
    public void writeFp16(float value) {
        scalar("writeFp16", value);
    }

    @Override
    public void writeFp16s(float[] values) {
        array("writeFp16s", values.length);
    }

    @Override
    public void writeBf16(float value) {
        scalar("writeBf16", value);
    }

    @Override
    public void writeBf16s(float[] values) {
        array("writeBf16s", values.length);
    }

    @Override
    public void writeFp32(float value) {
        scalar("writeFp32", value);
    }

    @Override
    public void writeFp32s(float[] values) {
        array("writeFp32s", values.length);
    }

    @Override
    public void writeFp64(double value) {
        scalar("writeFp64", value);
    }

    @Override
    public void writeFp64s(double[] values) {
        array("writeFp64s", values.length);
    }

    @Override
    public void writeString(String value) {
        scalar("writeString", value);
    }

    @Override
    public void writeBytes(byte[] value) {
        array("writeBytes", value.length);
    }
}
