package org.flinktriton.flink;

import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;

/**
 * Annotated classes the TritonInference jobs send and receive. Each record's vectors derive from
 * its id, so that any output can be checked on its own: {@code a[i] = id + i}, {@code b[i] = i},
 * hence {@code sum[i] = id + 2i} and {@code difference[i] = id} (exact in FP32 below 2^24).
 */
public final class InferenceTypes {
    static final int LENGTH = 16;

    private InferenceTypes() {}

    static float[] a(long id) {
        float[] a = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            a[i] = id + i;
        }
        return a;
    }

    static float[] b() {
        float[] b = new float[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            b[i] = i;
        }
        return b;
    }

    /** Whether {@code sum} is what the add/sub model computes for record {@code id}. */
    static boolean isSumOf(long id, float[] sum) {
        if (sum == null || sum.length != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            if (sum[i] != id + 2 * i) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code difference} is what the add/sub model computes for record {@code id}. */
    static boolean isDifferenceOf(long id, float[] difference) {
        if (difference == null || difference.length != LENGTH) {
            return false;
        }
        for (float d : difference) {
            if (d != id) {
                return false;
            }
        }
        return true;
    }

    /** A Flink POJO; {@code id} is not sent, the model name comes from the annotation. */
    @TritonModel(name = "add_sub")
    public static class AddSubRequest {
        public long id;

        @TritonInput(
                name = "INPUT0",
                shape = {LENGTH})
        public float[] a;

        @TritonInput(
                name = "INPUT1",
                shape = {LENGTH})
        public float[] b;

        public AddSubRequest() {}

        public static AddSubRequest of(long id) {
            AddSubRequest request = new AddSubRequest();
            request.id = id;
            request.a = a(id);
            request.b = b();
            return request;
        }
    }

    public record AddSubResult(
            @TritonOutput(
                            name = "OUTPUT0",
                            shape = {LENGTH})
                    float[] sum,
            @TritonOutput(
                            name = "OUTPUT1",
                            shape = {LENGTH})
                    float[] difference) {}

    /** Enrichment: inputs and an output in one class; the job emits the sent records, filled in. */
    public static class Enriched {
        public long id;
        public String label;

        @TritonInput(
                name = "INPUT0",
                shape = {LENGTH})
        public float[] a;

        @TritonInput(
                name = "INPUT1",
                shape = {LENGTH})
        public float[] b;

        @TritonOutput(
                name = "OUTPUT0",
                shape = {LENGTH})
        public float[] sum;

        public Enriched() {}

        public static Enriched of(long id) {
            Enriched enriched = new Enriched();
            enriched.id = id;
            enriched.label = "record-" + id;
            enriched.a = a(id);
            enriched.b = b();
            return enriched;
        }
    }

    /** What the combiner makes of a request and its result. */
    public record Labelled(long id, float firstSum, float firstDifference) {}

    /** Does not match add_sub: INT32 where the model has FP32, 8 values where it has 16. */
    public static class WrongRequest {
        @TritonInput(
                name = "INPUT0",
                datatype = TritonDataType.INT32,
                shape = {8})
        public int[] a;

        @TritonInput(
                name = "INPUT1",
                shape = {LENGTH})
        public float[] b;

        public WrongRequest() {}
    }

    /** For an identity model over FP32 [4] with max_batch_size 0. */
    public static class Vector {
        public long id;

        @TritonInput(
                name = "INPUT0",
                shape = {4})
        public float[] values;

        public Vector() {}

        public static Vector of(long id) {
            Vector vector = new Vector();
            vector.id = id;
            vector.values = new float[] {id, -id, 0.5f, id + 1};
            return vector;
        }
    }

    public record VectorOut(
            @TritonOutput(
                            name = "OUTPUT0",
                            shape = {4})
                    float[] values) {}
}
