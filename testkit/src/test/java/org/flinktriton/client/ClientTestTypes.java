package org.flinktriton.client;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;

/** Annotated classes the client tests send and receive; the processor generates their codecs. */
public final class ClientTestTypes {
    private ClientTestTypes() {}

    /** For the testkit's add/sub model over FP32 [16]. */
    @TritonModel(name = "add_sub", version = "1")
    public static class AddSubRequest {
        @TritonInput(
                name = "INPUT0",
                shape = {16})
        public float[] a;

        @TritonInput(
                name = "INPUT1",
                shape = {16})
        public float[] b;

        public AddSubRequest() {}

        public AddSubRequest(float[] a, float[] b) {
            this.a = a;
            this.b = b;
        }

        /** a = [seed, seed+1, …], b = [1, 1, …]. */
        public static AddSubRequest of(int seed) {
            float[] a = new float[16];
            float[] b = new float[16];
            for (int i = 0; i < 16; i++) {
                a[i] = seed + i;
                b[i] = 1;
            }
            return new AddSubRequest(a, b);
        }
    }

    public record AddSubResult(
            @TritonOutput(
                            name = "OUTPUT0",
                            shape = {16})
                    float[] sum,
            @TritonOutput(
                            name = "OUTPUT1",
                            shape = {16})
                    float[] difference) {}

    /** Inputs and outputs in one mutable class: results are the sent objects, filled in. */
    public static class AddSubEnriched {
        @TritonInput(
                name = "INPUT0",
                shape = {16})
        public float[] a;

        @TritonInput(
                name = "INPUT1",
                shape = {16})
        public float[] b;

        @TritonOutput(
                name = "OUTPUT0",
                shape = {16})
        public float[] sum;

        public String label;
    }

    /** Inputs and outputs in one Java record: results are new records built from the sent ones. */
    public record AddSubEnrichedRecord(
            String label,
            @TritonInput(
                            name = "INPUT0",
                            shape = {16})
                    float[] a,
            @TritonInput(
                            name = "INPUT1",
                            shape = {16})
                    float[] b,
            @TritonOutput(
                            name = "OUTPUT1",
                            shape = {16})
                    float[] difference) {}

    /** One tensor of every wire datatype, of dims [4], named after its datatype. */
    public record AllTypesIn(
            @TritonInput(
                            name = "BOOL",
                            shape = {4})
                    boolean[] bools,
            @TritonInput(
                            name = "UINT8",
                            datatype = TritonDataType.UINT8,
                            shape = {4})
                    byte[] uint8s,
            @TritonInput(
                            name = "UINT16",
                            datatype = TritonDataType.UINT16,
                            shape = {4})
                    short[] uint16s,
            @TritonInput(
                            name = "UINT32",
                            datatype = TritonDataType.UINT32,
                            shape = {4})
                    int[] uint32s,
            @TritonInput(
                            name = "UINT64",
                            datatype = TritonDataType.UINT64,
                            shape = {4})
                    long[] uint64s,
            @TritonInput(
                            name = "INT8",
                            datatype = TritonDataType.INT8,
                            shape = {4})
                    byte[] int8s,
            @TritonInput(
                            name = "INT16",
                            shape = {4})
                    short[] int16s,
            @TritonInput(
                            name = "INT32",
                            shape = {4})
                    int[] int32s,
            @TritonInput(
                            name = "INT64",
                            shape = {4})
                    long[] int64s,
            @TritonInput(
                            name = "FP16",
                            datatype = TritonDataType.FP16,
                            shape = {4})
                    float[] fp16s,
            @TritonInput(
                            name = "FP32",
                            shape = {4})
                    float[] fp32s,
            @TritonInput(
                            name = "FP64",
                            shape = {4})
                    double[] fp64s,
            @TritonInput(
                            name = "BYTES",
                            shape = {4})
                    String[] strings,
            @TritonInput(
                            name = "BF16",
                            datatype = TritonDataType.BF16,
                            shape = {4})
                    float[] bf16s) {}

    public record AllTypesOut(
            @TritonOutput(
                            name = "BOOL",
                            shape = {4})
                    boolean[] bools,
            @TritonOutput(
                            name = "UINT8",
                            datatype = TritonDataType.UINT8,
                            shape = {4})
                    byte[] uint8s,
            @TritonOutput(
                            name = "UINT16",
                            datatype = TritonDataType.UINT16,
                            shape = {4})
                    short[] uint16s,
            @TritonOutput(
                            name = "UINT32",
                            datatype = TritonDataType.UINT32,
                            shape = {4})
                    int[] uint32s,
            @TritonOutput(
                            name = "UINT64",
                            datatype = TritonDataType.UINT64,
                            shape = {4})
                    long[] uint64s,
            @TritonOutput(
                            name = "INT8",
                            datatype = TritonDataType.INT8,
                            shape = {4})
                    byte[] int8s,
            @TritonOutput(
                            name = "INT16",
                            shape = {4})
                    short[] int16s,
            @TritonOutput(
                            name = "INT32",
                            shape = {4})
                    int[] int32s,
            @TritonOutput(
                            name = "INT64",
                            shape = {4})
                    long[] int64s,
            @TritonOutput(
                            name = "FP16",
                            datatype = TritonDataType.FP16,
                            shape = {4})
                    float[] fp16s,
            @TritonOutput(
                            name = "FP32",
                            shape = {4})
                    float[] fp32s,
            @TritonOutput(
                            name = "FP64",
                            shape = {4})
                    double[] fp64s,
            @TritonOutput(
                            name = "BYTES",
                            shape = {4})
                    String[] strings,
            @TritonOutput(
                            name = "BF16",
                            datatype = TritonDataType.BF16,
                            shape = {4})
                    float[] bf16s) {}

    /**
     * For an identity model over FP32 [-1]: records of different lengths go in different requests.
     */
    public record Vector(@TritonInput(name = "INPUT0") float[] values) {}

    public record VectorOut(@TritonOutput(name = "OUTPUT0") float[] values) {}

    /** For an identity model over BYTES [1] with max_batch_size 0: one record per request. */
    public record Text(@TritonInput(name = "INPUT0") String text) {}

    public record TextOut(@TritonOutput(name = "OUTPUT0") String text) {}

    /** Meant for add_sub, but wrong in three ways: datatype and dims of INPUT0, an extra input. */
    public record WrongRequest(
            @TritonInput(
                            name = "INPUT0",
                            shape = {8})
                    int[] a,
            @TritonInput(name = "EXTRA") float extra) {}

    /** Reads an output add_sub does not have. */
    public record WrongResult(
            @TritonOutput(
                            name = "OUTPUT9",
                            shape = {16})
                    float[] x) {}
}
