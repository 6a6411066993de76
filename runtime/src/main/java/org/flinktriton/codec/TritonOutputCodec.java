package org.flinktriton.codec;

import java.util.List;

/**
 * Builds records of one class from output tensors. The annotation processor generates an
 * implementation, {@code <Class>TritonCodec}, for every class with {@code @TritonOutput}s; find it
 * with {@link TritonCodecs#forOutput(Class)}. Implementations are stateless and thread-safe.
 *
 * @param <T> the annotated class
 */
public interface TritonOutputCodec<T> {
    /** The annotated class. */
    Class<T> type();

    /** The output tensors, in declaration order; the order of the output indexes of a reader. */
    List<TensorSpec> outputs();

    /**
     * Whether {@link #enrich} is supported: true for classes that carry inputs and outputs, whose
     * responses are merged into the record that was sent.
     */
    default boolean canEnrich() {
        return false;
    }

    /**
     * Builds a new instance from one record's outputs; fields that are not outputs keep their
     * defaults.
     */
    T read(TensorReader in);

    /**
     * Returns {@code source} with one record's outputs applied: the outputs are set on {@code
     * source} itself, or, for a Java record, a new instance is built from {@code source}'s
     * components and the outputs.
     *
     * @throws UnsupportedOperationException when {@link #canEnrich()} is false
     */
    default T enrich(T source, TensorReader in) {
        throw new UnsupportedOperationException(
                type().getName()
                        + " has no @TritonInput fields, so there is no sent record to enrich; read"
                        + " a new instance instead");
    }
}
