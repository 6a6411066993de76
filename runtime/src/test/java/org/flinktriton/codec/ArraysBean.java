package org.flinktriton.codec;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;

/**
 * Every datatype as a one-dimensional array in a bean: private fields reached through getters
 * (inputs) and setters (outputs). Some dimensions are fixed, some variable.
 */
public class ArraysBean {
    @TritonInput(
            name = "BOOL",
            shape = {3})
    private boolean[] bools;

    @TritonInput(name = "INT8", datatype = TritonDataType.INT8)
    private byte[] int8s;

    @TritonInput(
            name = "UINT8",
            datatype = TritonDataType.UINT8,
            shape = {4})
    private byte[] uint8s;

    @TritonInput(name = "INT16")
    private short[] int16s;

    @TritonInput(name = "UINT16", datatype = TritonDataType.UINT16)
    private short[] uint16s;

    @TritonInput(
            name = "INT32",
            shape = {2})
    private int[] int32s;

    @TritonInput(name = "UINT32", datatype = TritonDataType.UINT32)
    private int[] uint32s;

    @TritonInput(name = "INT64")
    private long[] int64s;

    @TritonInput(name = "UINT64", datatype = TritonDataType.UINT64)
    private long[] uint64s;

    @TritonInput(name = "FP16", datatype = TritonDataType.FP16)
    private float[] fp16s;

    @TritonInput(name = "BF16", datatype = TritonDataType.BF16)
    private float[] bf16s;

    @TritonInput(
            name = "FP32",
            shape = {4})
    private float[] fp32s;

    @TritonInput(name = "FP64")
    private double[] fp64s;

    @TritonInput(name = "TEXTS")
    private String[] texts;

    @TritonInput(name = "BLOBS")
    private byte[][] blobs;

    @TritonInput(name = "READY")
    private boolean ready;

    @TritonOutput(
            name = "FP32",
            shape = {4})
    private float[] fp32sOut;

    @TritonOutput(name = "TEXTS")
    private String[] textsOut;

    @TritonOutput(name = "UINT64", datatype = TritonDataType.UINT64)
    private long[] uint64sOut;

    @TritonOutput(name = "READY")
    private boolean readyOut;

    public boolean[] getBools() {
        return bools;
    }

    public void setBools(boolean[] bools) {
        this.bools = bools;
    }

    public byte[] getInt8s() {
        return int8s;
    }

    public void setInt8s(byte[] int8s) {
        this.int8s = int8s;
    }

    public byte[] getUint8s() {
        return uint8s;
    }

    public void setUint8s(byte[] uint8s) {
        this.uint8s = uint8s;
    }

    public short[] getInt16s() {
        return int16s;
    }

    public void setInt16s(short[] int16s) {
        this.int16s = int16s;
    }

    public short[] getUint16s() {
        return uint16s;
    }

    public void setUint16s(short[] uint16s) {
        this.uint16s = uint16s;
    }

    public int[] getInt32s() {
        return int32s;
    }

    public void setInt32s(int[] int32s) {
        this.int32s = int32s;
    }

    public int[] getUint32s() {
        return uint32s;
    }

    public void setUint32s(int[] uint32s) {
        this.uint32s = uint32s;
    }

    public long[] getInt64s() {
        return int64s;
    }

    public void setInt64s(long[] int64s) {
        this.int64s = int64s;
    }

    public long[] getUint64s() {
        return uint64s;
    }

    public void setUint64s(long[] uint64s) {
        this.uint64s = uint64s;
    }

    public float[] getFp16s() {
        return fp16s;
    }

    public void setFp16s(float[] fp16s) {
        this.fp16s = fp16s;
    }

    public float[] getBf16s() {
        return bf16s;
    }

    public void setBf16s(float[] bf16s) {
        this.bf16s = bf16s;
    }

    public float[] getFp32s() {
        return fp32s;
    }

    public void setFp32s(float[] fp32s) {
        this.fp32s = fp32s;
    }

    public double[] getFp64s() {
        return fp64s;
    }

    public void setFp64s(double[] fp64s) {
        this.fp64s = fp64s;
    }

    public String[] getTexts() {
        return texts;
    }

    public void setTexts(String[] texts) {
        this.texts = texts;
    }

    public byte[][] getBlobs() {
        return blobs;
    }

    public void setBlobs(byte[][] blobs) {
        this.blobs = blobs;
    }

    public boolean isReady() {
        return ready;
    }

    public void setReady(boolean ready) {
        this.ready = ready;
    }

    public float[] getFp32sOut() {
        return fp32sOut;
    }

    public void setFp32sOut(float[] fp32sOut) {
        this.fp32sOut = fp32sOut;
    }

    public String[] getTextsOut() {
        return textsOut;
    }

    public void setTextsOut(String[] textsOut) {
        this.textsOut = textsOut;
    }

    public long[] getUint64sOut() {
        return uint64sOut;
    }

    public void setUint64sOut(long[] uint64sOut) {
        this.uint64sOut = uint64sOut;
    }

    public boolean isReadyOut() {
        return readyOut;
    }

    public void setReadyOut(boolean readyOut) {
        this.readyOut = readyOut;
    }
}
