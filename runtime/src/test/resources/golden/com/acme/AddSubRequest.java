package com.acme;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;

@TritonModel(name = "add_sub", version = "1")
public class AddSubRequest {
    @TritonInput(name = "INPUT0", datatype = TritonDataType.FP32, shape = {16})
    public float[] a;

    @TritonInput(name = "INPUT1", shape = {16})
    public float[] b;
}
