package org.flinktriton.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a model's {@link ModelMetadata}: its name, its datatype as the server spells it and
 * its shape, where {@code -1} marks a variable dimension (the batch dimension among them).
 * Immutable.
 */
public final class TensorMetadata {
    private final String name;
    private final String datatype;
    private final long[] shape;

    /**
     * @param datatype such as {@code FP32}; empty when the server names none
     */
    public TensorMetadata(String name, String datatype, long[] shape) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.shape = shape.clone();
    }

    /** The tensor's name. */
    public String name() {
        return name;
    }

    /** The datatype as the server names it, such as {@code FP32}; empty when it names none. */
    public String datatype() {
        return datatype;
    }

    /** The shape, including the batch dimension when the model batches; a copy. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}; {@code -1} when variable. */
    public long dim(int i) {
        return shape[i];
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TensorMetadata)) {
            return false;
        }
        TensorMetadata other = (TensorMetadata) o;
        return name.equals(other.name)
                && datatype.equals(other.datatype)
                && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, datatype, Arrays.hashCode(shape));
    }

    /** For example {@code INPUT0 FP32[-1,16]}. */
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
