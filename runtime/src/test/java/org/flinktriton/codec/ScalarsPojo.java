package org.flinktriton.codec;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;

/**
 * Every datatype as a scalar public field, sent as an input and received back into a second field
 * of the same instance (enrichment): a server that echoes its inputs fills {@code xOut} with {@code
 * x}.
 */
@TritonModel(name = "echo_scalars")
public class ScalarsPojo {
    @TritonInput(name = "BOOL")
    public boolean bool;

    @TritonInput(name = "INT8")
    public byte int8;

    @TritonInput(name = "UINT8", datatype = TritonDataType.UINT8)
    public byte uint8;

    @TritonInput(name = "INT16")
    public short int16;

    @TritonInput(name = "UINT16", datatype = TritonDataType.UINT16)
    public short uint16;

    @TritonInput(name = "INT32")
    public int int32;

    @TritonInput(name = "UINT32", datatype = TritonDataType.UINT32)
    public int uint32;

    @TritonInput(name = "INT64")
    public long int64;

    @TritonInput(name = "UINT64", datatype = TritonDataType.UINT64)
    public long uint64;

    @TritonInput(name = "FP16", datatype = TritonDataType.FP16)
    public float fp16;

    @TritonInput(name = "BF16", datatype = TritonDataType.BF16)
    public float bf16;

    @TritonInput(name = "FP32")
    public float fp32;

    @TritonInput(name = "FP64")
    public double fp64;

    @TritonInput(name = "TEXT")
    public String text;

    @TritonInput(name = "BLOB", datatype = TritonDataType.BYTES)
    public byte[] blob;

    @TritonOutput(name = "BOOL")
    public boolean boolOut;

    @TritonOutput(name = "INT8")
    public byte int8Out;

    @TritonOutput(name = "UINT8", datatype = TritonDataType.UINT8)
    public byte uint8Out;

    @TritonOutput(name = "INT16")
    public short int16Out;

    @TritonOutput(name = "UINT16", datatype = TritonDataType.UINT16)
    public short uint16Out;

    @TritonOutput(name = "INT32")
    public int int32Out;

    @TritonOutput(name = "UINT32", datatype = TritonDataType.UINT32)
    public int uint32Out;

    @TritonOutput(name = "INT64")
    public long int64Out;

    @TritonOutput(name = "UINT64", datatype = TritonDataType.UINT64)
    public long uint64Out;

    @TritonOutput(name = "FP16", datatype = TritonDataType.FP16)
    public float fp16Out;

    @TritonOutput(name = "BF16", datatype = TritonDataType.BF16)
    public float bf16Out;

    @TritonOutput(name = "FP32")
    public float fp32Out;

    @TritonOutput(name = "FP64")
    public double fp64Out;

    @TritonOutput(name = "TEXT")
    public String textOut;

    @TritonOutput(name = "BLOB", datatype = TritonDataType.BYTES)
    public byte[] blobOut;
}
