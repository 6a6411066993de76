package org.flinktriton.processor;

import com.palantir.javapoet.ClassName;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;
import org.flinktriton.annotations.TritonDataType;

/**
 * Stage two's output: a class whose specs passed every check, with every datatype and shape
 * resolved. {@link CodecGenerator} writes the codec from it alone.
 *
 * @param type the annotated class
 * @param typeName the annotated class, for generated code
 * @param codecName the generated codec's name
 * @param modelName the {@code @TritonModel} name, when the class has one
 * @param modelVersion the {@code @TritonModel} version, when it names one
 * @param inputs the inputs in declaration order
 * @param outputs the outputs in declaration order
 * @param components a record's components in constructor order; empty for other classes
 * @param suppressions the warnings the generated code must suppress (deprecated members)
 */
record CodecModel(
        TypeElement type,
        ClassName typeName,
        ClassName codecName,
        Optional<String> modelName,
        Optional<String> modelVersion,
        List<Tensor> inputs,
        List<Tensor> outputs,
        List<Component> components,
        List<String> suppressions) {

    boolean isRecord() {
        return type.getKind() == ElementKind.RECORD;
    }

    /** How generated code reaches a member's value. */
    enum Via {
        /** {@code record.field} or {@code record.field = value}. */
        FIELD,
        /** {@code record.getX()} or {@code record.setX(value)}. */
        METHOD,
        /** A record component: read through its accessor, written through the constructor. */
        COMPONENT
    }

    /**
     * One resolved tensor.
     *
     * @param index the position among the class's inputs or outputs
     * @param name the tensor name
     * @param datatype the wire datatype, never {@code AUTO}
     * @param shape the per-record shape, defaults applied
     * @param javaType the Java side
     * @param label the member as runtime messages name it ({@code Review.text})
     * @param property the member's property name, for generated method names
     * @param readVia how to read the value (inputs)
     * @param readName the field, getter or accessor name (inputs)
     * @param writeVia how to store the value (outputs)
     * @param writeName the field or setter name, or the component name (outputs)
     */
    record Tensor(
            int index,
            String name,
            TritonDataType datatype,
            int[] shape,
            JavaType javaType,
            String label,
            String property,
            Via readVia,
            String readName,
            Via writeVia,
            String writeName) {

        boolean hasVariableDimension() {
            for (int dim : shape) {
                if (dim < 0) {
                    return true;
                }
            }
            return false;
        }

        /** The number of elements, or -1 when a dimension is variable. */
        long elementCount() {
            long count = 1;
            for (int dim : shape) {
                if (dim < 0) {
                    return -1;
                }
                count *= dim;
            }
            return count;
        }
    }

    /**
     * A record component, for the canonical constructor.
     *
     * @param name the component name, also its accessor's
     * @param type its type, for the default value a new instance gets
     * @param output the output stored in it, when it is one
     */
    record Component(String name, TypeMirror type, Optional<Tensor> output) {}
}
