package org.flinktriton.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field, record component or bean getter as one output tensor of a Triton model.
 *
 * <pre>{@code
 * public class AddSubResult {
 *     @TritonOutput(name = "OUTPUT0", datatype = TritonDataType.FP32, shape = {16})
 *     public float[] sum;
 *     @TritonOutput(name = "OUTPUT1", shape = {16}) // FP32 inferred from float[]
 *     public float[] difference;
 * }
 * }</pre>
 *
 * <p>An output field is written when a response is decoded: on a new instance of the class, or,
 * when the class also carries {@link TritonInput}s (enrichment), into the record that was sent (a
 * Java record is rebuilt through its canonical constructor instead). The flink-triton annotation
 * processor turns every class that carries this annotation into a generated {@code
 * <Class>TritonCodec}; a spec that cannot work (a datatype the Java type cannot hold, a shape whose
 * rank differs from the array's, ...) is a compile error.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.RECORD_COMPONENT})
public @interface TritonOutput {
    /** The tensor's name exactly as the model declares it, for example {@code "OUTPUT0"}. */
    String name();

    /** The tensor's element type; {@link TritonDataType#AUTO} infers it from the Java type. */
    TritonDataType datatype() default TritonDataType.AUTO;

    /**
     * The shape of one record's tensor, <em>without</em> the batch dimension. {@code -1} marks a
     * variable dimension taken from the response. Omitted: {@code {1}} for a scalar, all {@code -1}
     * for an array of the same rank. A flat one-dimensional array may carry a multi-dimensional
     * shape (row-major).
     */
    int[] shape() default {};
}
