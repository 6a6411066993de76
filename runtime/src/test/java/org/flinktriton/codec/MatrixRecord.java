package org.flinktriton.codec;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;

/**
 * Multi-dimensional inputs in a record: 2-D and 3-D arrays (rank = shape rank) and flat arrays that
 * carry a multi-dimensional shape, row-major.
 */
public record MatrixRecord(
        @TritonInput(
                        name = "GRID",
                        shape = {-1, 3})
                float[][] grid,
        @TritonInput(
                        name = "CUBE",
                        shape = {2, -1, 2})
                int[][][] cube,
        @TritonInput(
                        name = "WORDS",
                        shape = {-1, -1})
                String[][] words,
        @TritonInput(
                        name = "PIXELS",
                        datatype = TritonDataType.UINT8,
                        shape = {2, 2})
                byte[][] pixels,
        @TritonInput(
                        name = "IMAGE",
                        shape = {2, 3})
                float[] image,
        @TritonInput(
                        name = "PAIRS",
                        shape = {-1, 2})
                long[] pairs,
        @TritonInput(
                        name = "HALVES",
                        datatype = TritonDataType.FP16,
                        shape = {-1, 2})
                float[][] halves) {}
