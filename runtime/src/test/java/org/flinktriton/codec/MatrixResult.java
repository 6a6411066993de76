package org.flinktriton.codec;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonOutput;

/**
 * What an echo of {@link MatrixRecord} decodes into. {@code note} is no output: a record built from
 * a response gets its default value.
 */
public record MatrixResult(
        @TritonOutput(
                        name = "GRID",
                        shape = {-1, 3})
                float[][] grid,
        String note,
        @TritonOutput(
                        name = "CUBE",
                        shape = {2, -1, 2})
                int[][][] cube,
        @TritonOutput(
                        name = "WORDS",
                        shape = {-1, -1})
                String[][] words,
        @TritonOutput(
                        name = "PIXELS",
                        datatype = TritonDataType.UINT8,
                        shape = {2, 2})
                byte[][] pixels,
        @TritonOutput(
                        name = "IMAGE",
                        shape = {2, 3})
                float[] image,
        int count,
        @TritonOutput(
                        name = "PAIRS",
                        shape = {-1, 2})
                long[] pairs,
        @TritonOutput(
                        name = "HALVES",
                        datatype = TritonDataType.FP16,
                        shape = {-1, 2})
                float[][] halves) {}
