package org.flinktriton.codec;

import java.util.Arrays;
import java.util.Objects;
import org.flinktriton.annotations.TritonDataType;

/**
 * One tensor as an annotated class declares it: the tensor's name, its datatype and the shape of
 * one record's value, without the batch dimension ({@code -1} marks a variable dimension).
 * Immutable.
 */
public final class TensorSpec {
    private final String name;
    private final TritonDataType datatype;
    private final int[] shape;

    private TensorSpec(String name, TritonDataType datatype, int[] shape) {
        this.name = name;
        this.datatype = datatype;
        this.shape = shape;
    }

    /**
     * Creates a spec.
     *
     * @throws IllegalArgumentException when the name is blank, the datatype is {@code AUTO} or a
     *     dimension is 0 or below -1
     */
    public static TensorSpec of(String name, TritonDataType datatype, int... shape) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        if (name.isBlank()) {
            throw new IllegalArgumentException("A tensor name must not be blank");
        }
        if (datatype == TritonDataType.AUTO) {
            throw new IllegalArgumentException(
                    "Tensor '" + name + "': AUTO is not a wire datatype; resolve it first");
        }
        for (int dim : shape) {
            if (dim == 0 || dim < -1) {
                throw new IllegalArgumentException(
                        "Tensor '"
                                + name
                                + "': dimension "
                                + dim
                                + " in "
                                + Arrays.toString(shape)
                                + " must be positive or -1 (variable)");
            }
        }
        return new TensorSpec(name, datatype, shape.clone());
    }

    /** The tensor's name as the model declares it. */
    public String name() {
        return name;
    }

    /** The tensor's datatype; never {@code AUTO}. */
    public TritonDataType datatype() {
        return datatype;
    }

    /** The per-record shape without the batch dimension; a copy. */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions of one record's value. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i} of one record's value; {@code -1} when variable. */
    public int dim(int i) {
        return shape[i];
    }

    /** Whether any dimension is variable ({@code -1}). */
    public boolean isVariable() {
        for (int dim : shape) {
            if (dim < 0) {
                return true;
            }
        }
        return false;
    }

    /** The number of elements in one record's value, or {@code -1} when a dimension is variable. */
    public long elementCount() {
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                return -1;
            }
            count *= dim;
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TensorSpec)) {
            return false;
        }
        TensorSpec other = (TensorSpec) o;
        return name.equals(other.name)
                && datatype == other.datatype
                && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, datatype, Arrays.hashCode(shape));
    }

    /** For example {@code INPUT0 FP32[16]} or {@code TOKENS INT64[-1]}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(name).append(' ').append(datatype).append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append(shape[i]);
        }
        return text.append(']').toString();
    }
}
