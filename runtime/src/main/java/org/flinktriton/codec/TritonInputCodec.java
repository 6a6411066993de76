package org.flinktriton.codec;

import java.util.List;
import java.util.Optional;

/**
 * Turns records of one class into input tensors. The annotation processor generates an
 * implementation, {@code <Class>TritonCodec}, for every class with {@code @TritonInput}s; find it
 * with {@link TritonCodecs#forInput(Class)}.
 *
 * <p>The wire layer calls {@link #shape} for every record and input before it calls {@link #write}:
 * {@code shape} validates the value (not null, fixed dimensions as declared, no ragged rows, no
 * null elements) and throws a {@link org.flinktriton.TritonException} naming the field and the
 * tensor when it does not fit, so that {@code write} can copy without checks. Implementations are
 * stateless and thread-safe.
 *
 * @param <T> the annotated class
 */
public interface TritonInputCodec<T> {
    /** The annotated class. */
    Class<T> type();

    /** The input tensors, in declaration order; the order of the {@code input} indexes below. */
    List<TensorSpec> inputs();

    /** The model name from {@code @TritonModel}, when the class carries one. */
    default Optional<String> modelName() {
        return Optional.empty();
    }

    /** The model version from {@code @TritonModel}, when it names one. */
    default Optional<String> modelVersion() {
        return Optional.empty();
    }

    /**
     * Writes the actual per-record shape of input {@code input} of {@code record} into {@code dims}
     * (whose length is that input's rank): declared dimensions as they are, variable ones from the
     * value.
     *
     * @throws org.flinktriton.TritonException when the value is null or does not fit the declared
     *     shape; the message names the class, the field and the tensor
     */
    void shape(T record, int input, int[] dims);

    /** Appends the value of input {@code input} of {@code record} to {@code out}. */
    void write(T record, int input, TensorWriter out);
}
