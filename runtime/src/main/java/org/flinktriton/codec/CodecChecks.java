package org.flinktriton.codec;

import java.util.List;
import org.flinktriton.TritonRecordException;

/**
 * Builds the exceptions that generated codecs throw when a record's value does not fit its tensor
 * spec. For generated code: {@code shape} methods call these only on the failure path, as in {@code
 * throw CodecChecks.nullValue("Review.text", INPUTS.get(0))}, so the checks themselves stay plain
 * comparisons. Every message names the member ({@code Review.text}, with the index of the offending
 * row or element), the tensor and its declared shape, and says what would fit.
 */
public final class CodecChecks {
    private CodecChecks() {}

    /** The member's value is null. */
    public static TritonRecordException nullValue(String member, TensorSpec tensor) {
        return new TritonRecordException(
                member
                        + " is null, but tensor "
                        + describe(tensor)
                        + " needs a value; set it before sending the record");
    }

    /** The element or row at {@code index} (one index per dimension walked) is null. */
    public static TritonRecordException nullElement(
            String member, TensorSpec tensor, int... index) {
        return new TritonRecordException(
                member
                        + path(index)
                        + " is null, but tensor "
                        + describe(tensor)
                        + " cannot carry null elements or rows; replace it with a value");
    }

    /**
     * A fixed dimension does not match: the array at {@code index} (the whole value when {@code
     * index} is empty) has {@code length} entries in {@code dimension}.
     */
    public static TritonRecordException wrongLength(
            String member, TensorSpec tensor, int dimension, int length, int... index) {
        return new TritonRecordException(
                member
                        + path(index)
                        + " has length "
                        + length
                        + " in dimension "
                        + dimension
                        + ", but tensor "
                        + describe(tensor)
                        + " declares "
                        + tensor.dim(dimension)
                        + "; pad or trim the value, or declare the dimension -1 (variable)");
    }

    /**
     * A variable dimension differs between rows: the row at {@code index} has {@code length}
     * entries in {@code dimension} where the rows before it have {@code expected}.
     */
    public static TritonRecordException ragged(
            String member,
            TensorSpec tensor,
            int dimension,
            int expected,
            int length,
            int... index) {
        return new TritonRecordException(
                member
                        + path(index)
                        + " has length "
                        + length
                        + " in dimension "
                        + dimension
                        + " where the rows before it have "
                        + expected
                        + "; tensor "
                        + describe(tensor)
                        + " needs a rectangular array, so give every row the same length");
    }

    /** A flat array for a fully fixed multi-dimensional shape has the wrong number of elements. */
    public static TritonRecordException wrongElementCount(
            String member, TensorSpec tensor, int count) {
        return new TritonRecordException(
                member
                        + " has "
                        + count
                        + " elements, but tensor "
                        + describe(tensor)
                        + " needs exactly "
                        + tensor.elementCount()
                        + ", in row-major order");
    }

    /**
     * A flat array for a shape with one variable dimension has a number of elements that the fixed
     * dimensions do not divide.
     */
    public static TritonRecordException notMultiple(String member, TensorSpec tensor, int count) {
        long block = 1;
        for (int i = 0; i < tensor.rank(); i++) {
            block *= Math.max(tensor.dim(i), 1);
        }
        return new TritonRecordException(
                member
                        + " has "
                        + count
                        + " elements, but tensor "
                        + describe(tensor)
                        + " needs a multiple of "
                        + block
                        + ", in row-major order");
    }

    /** A caller asked a codec for a tensor index it does not have. */
    public static IllegalArgumentException noSuchTensor(List<TensorSpec> tensors, int index) {
        return new IllegalArgumentException(
                "No tensor at index "
                        + index
                        + "; the codec has "
                        + tensors.size()
                        + ": "
                        + tensors);
    }

    /** {@code 'TEXT' (BYTES [1])}. */
    private static String describe(TensorSpec tensor) {
        StringBuilder text =
                new StringBuilder("'")
                        .append(tensor.name())
                        .append("' (")
                        .append(tensor.datatype());
        text.append(" [");
        for (int i = 0; i < tensor.rank(); i++) {
            text.append(i == 0 ? "" : ", ").append(tensor.dim(i));
        }
        return text.append("])").toString();
    }

    /** {@code [2][0]}. */
    private static String path(int[] index) {
        StringBuilder path = new StringBuilder();
        for (int i : index) {
            path.append('[').append(i).append(']');
        }
        return path.toString();
    }
}
