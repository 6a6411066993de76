package com.acme;

import org.flinktriton.annotations.TritonOutput;

public record AddSubResult(
        @TritonOutput(name = "OUTPUT0", shape = {16}) float[] sum,
        @TritonOutput(name = "OUTPUT1", shape = {16}) float[] difference) {}
