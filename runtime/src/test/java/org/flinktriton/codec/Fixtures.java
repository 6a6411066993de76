package org.flinktriton.codec;

import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;

/** Nested annotated classes: their codecs are named {@code Fixtures_<Name>TritonCodec}. */
public final class Fixtures {
    private Fixtures() {}

    /** Boxed scalars and lists, the convenient (not the fast) forms. */
    public static class Boxed {
        @TritonInput(name = "COUNT")
        public Integer count;

        @TritonInput(name = "WEIGHT", datatype = TritonDataType.BF16)
        public Float weight;

        @TritonInput(name = "FLAGS")
        public List<Boolean> flags;

        @TritonInput(
                name = "IDS",
                shape = {3})
        public List<Long> ids;

        @TritonInput(name = "TAGS")
        public List<String> tags;

        @TritonOutput(name = "COUNT")
        public Integer countOut;

        @TritonOutput(name = "WEIGHT", datatype = TritonDataType.BF16)
        public Float weightOut;

        @TritonOutput(name = "FLAGS")
        public List<Boolean> flagsOut;

        @TritonOutput(
                name = "IDS",
                shape = {3})
        public List<Long> idsOut;

        @TritonOutput(name = "TAGS")
        public List<String> tagsOut;
    }

    /** Annotated bean getters: a computed input, and an output stored through its setter. */
    public static class Computed {
        public float a;
        public float b;
        private double total;

        @TritonInput(name = "SUM")
        public float getSum() {
            return a + b;
        }

        @TritonOutput(name = "TOTAL")
        public double getTotal() {
            return total;
        }

        public void setTotal(double total) {
            this.total = total;
        }
    }

    /** Inputs only, in a package-private nested class. */
    static class Query {
        @TritonInput(
                name = "Q",
                shape = {2})
        double[] q;
    }

    /** Outputs only. */
    public static class Answer {
        @TritonOutput(name = "A")
        public String answer;
    }
}
