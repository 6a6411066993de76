package org.flinktriton.processor;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import java.util.List;
import java.util.Set;
import org.flinktriton.annotations.TritonDataType;

/**
 * The Java side of a tensor once its datatype is known: the element type ({@link Leaf}), how many
 * array dimensions sit on top of it, and whether the value is a {@code List} or uses a boxed type.
 *
 * @param leaf the type of one tensor element
 * @param rank the number of Java dimensions above the element: 0 for a scalar, 1 for a one
 *     dimensional array or a list
 * @param list whether the value is a {@code java.util.List} of elements (rank 1)
 * @param boxed whether elements are boxed ({@code Float} rather than {@code float})
 */
record JavaType(Leaf leaf, int rank, boolean list, boolean boxed) {

    /** The type of one tensor element. */
    enum Leaf {
        BOOLEAN(TypeName.BOOLEAN, Set.of(TritonDataType.BOOL), TritonDataType.BOOL),
        BYTE(TypeName.BYTE, Set.of(TritonDataType.INT8, TritonDataType.UINT8), TritonDataType.INT8),
        SHORT(
                TypeName.SHORT,
                Set.of(TritonDataType.INT16, TritonDataType.UINT16),
                TritonDataType.INT16),
        INT(
                TypeName.INT,
                Set.of(TritonDataType.INT32, TritonDataType.UINT32),
                TritonDataType.INT32),
        LONG(
                TypeName.LONG,
                Set.of(TritonDataType.INT64, TritonDataType.UINT64),
                TritonDataType.INT64),
        FLOAT(
                TypeName.FLOAT,
                Set.of(TritonDataType.FP32, TritonDataType.FP16, TritonDataType.BF16),
                TritonDataType.FP32),
        DOUBLE(TypeName.DOUBLE, Set.of(TritonDataType.FP64), TritonDataType.FP64),
        /** A {@code String}, one {@code BYTES} element in UTF-8. */
        STRING(ClassName.get(String.class), Set.of(TritonDataType.BYTES), TritonDataType.BYTES),
        /** A {@code byte[]} holding one {@code BYTES} element. */
        BLOB(ArrayTypeName.of(TypeName.BYTE), Set.of(TritonDataType.BYTES), TritonDataType.BYTES);

        private final TypeName typeName;
        private final Set<TritonDataType> datatypes;
        private final TritonDataType defaultDatatype;

        Leaf(TypeName typeName, Set<TritonDataType> datatypes, TritonDataType defaultDatatype) {
            this.typeName = typeName;
            this.datatypes = datatypes;
            this.defaultDatatype = defaultDatatype;
        }

        /** The unboxed Java type of one element. */
        TypeName typeName() {
            return typeName;
        }

        /** The datatypes an element of this type can travel as. */
        Set<TritonDataType> datatypes() {
            return datatypes;
        }

        /** The datatype {@code AUTO} stands for. */
        TritonDataType defaultDatatype() {
            return defaultDatatype;
        }

        boolean isPrimitive() {
            return typeName.isPrimitive();
        }
    }

    /** Whether an element may be null: it is an object (boxed, {@code String}, {@code byte[]}). */
    boolean nullableElements() {
        return boxed || !leaf.isPrimitive();
    }

    /** The Java type of one element as declared: {@code float}, {@code Float}, {@code String}. */
    TypeName elementTypeName() {
        return boxed ? leaf.typeName().box() : leaf.typeName();
    }

    /** The Java type of the value {@code depth} levels below the member's own (0 = the member). */
    TypeName typeName(int depth) {
        if (list) {
            return depth == 0
                    ? ParameterizedTypeName.get(ClassName.get(List.class), elementTypeName())
                    : elementTypeName();
        }
        TypeName type = elementTypeName();
        for (int i = depth; i < rank; i++) {
            type = ArrayTypeName.of(type);
        }
        return type;
    }

    /** Whether one writer or reader call moves a whole innermost row: a primitive array. */
    boolean bulkRows() {
        return rank > 0 && !list && !boxed && leaf.isPrimitive();
    }
}
