package org.flinktriton.wire;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonOutput;

/** Outputs of every layout the decoder must guard: variable, BYTES, 2-D, FP16, scalar. */
public class FuzzOutput {
    @TritonOutput(
            name = "SCORES",
            shape = {-1})
    public float[] scores;

    @TritonOutput(name = "LABEL")
    public String label;

    @TritonOutput(
            name = "IDS",
            shape = {2, 3})
    public long[][] ids;

    @TritonOutput(
            name = "HALF",
            datatype = TritonDataType.FP16,
            shape = {4})
    public float[] half;

    @TritonOutput(name = "OK")
    public boolean ok;
}
