package org.flinktriton.codec;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonOutput;

/** What an echo of {@link ArraysBean} decodes into: a record with every array output. */
public record ArraysResult(
        @TritonOutput(
                        name = "BOOL",
                        shape = {3})
                boolean[] bools,
        @TritonOutput(name = "INT8", datatype = TritonDataType.INT8) byte[] int8s,
        @TritonOutput(
                        name = "UINT8",
                        datatype = TritonDataType.UINT8,
                        shape = {4})
                byte[] uint8s,
        @TritonOutput(name = "INT16") short[] int16s,
        @TritonOutput(name = "UINT16", datatype = TritonDataType.UINT16) short[] uint16s,
        @TritonOutput(
                        name = "INT32",
                        shape = {2})
                int[] int32s,
        @TritonOutput(name = "UINT32", datatype = TritonDataType.UINT32) int[] uint32s,
        @TritonOutput(name = "INT64") long[] int64s,
        @TritonOutput(name = "UINT64", datatype = TritonDataType.UINT64) long[] uint64s,
        @TritonOutput(name = "FP16", datatype = TritonDataType.FP16) float[] fp16s,
        @TritonOutput(name = "BF16", datatype = TritonDataType.BF16) float[] bf16s,
        @TritonOutput(
                        name = "FP32",
                        shape = {4})
                float[] fp32s,
        @TritonOutput(name = "FP64") double[] fp64s,
        @TritonOutput(name = "TEXTS") String[] texts,
        @TritonOutput(name = "BLOBS") byte[][] blobs,
        @TritonOutput(name = "READY") boolean ready) {}
