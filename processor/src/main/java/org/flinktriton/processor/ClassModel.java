package org.flinktriton.processor;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;
import org.flinktriton.annotations.TritonDataType;

/**
 * Stage one's output: what an annotated class declares, read from the elements as written and not
 * yet judged. {@link Validator} turns it into errors, or {@link CodecModelBuilder} into a {@link
 * CodecModel}.
 *
 * @param type the annotated class
 * @param label the class as messages name it, for example {@code Outer.Review}
 * @param model the class's {@code @TritonModel}, if any
 * @param members the annotated members in declaration order; one entry per annotation
 * @param components a record's components in declaration order; empty for other classes
 * @param noArgConstructor whether a class has a constructor that generated code can call with no
 *     arguments
 */
record ClassModel(
        TypeElement type,
        String label,
        Optional<ModelAnnotation> model,
        List<Member> members,
        List<Component> components,
        boolean noArgConstructor) {

    boolean isRecord() {
        return type.getKind() == ElementKind.RECORD;
    }

    /** {@code @TritonModel} as written. Values are null where the source leaves them out. */
    record ModelAnnotation(
            AnnotationMirror mirror,
            String name,
            AnnotationValue nameValue,
            String version,
            AnnotationValue versionValue) {}

    /** How a member is declared. */
    enum Kind {
        FIELD("field"),
        COMPONENT("component"),
        METHOD("method");

        private final String noun;

        Kind(String noun) {
            this.noun = noun;
        }

        String noun() {
            return noun;
        }
    }

    /**
     * One {@code @TritonInput} or {@code @TritonOutput} on a field, record component or method.
     *
     * @param element where the annotation sits; errors about the member point here
     * @param label the member as messages and generated checks name it: {@code Review.text}, or
     *     {@code Review.getText()} for a method
     * @param name the tensor name as written
     * @param datatype the datatype as written ({@code AUTO} when left out)
     * @param shape the shape as written (empty when left out)
     * @param dimValues the shape's values, one per dimension, to point errors at; empty when the
     *     shape is left out
     * @param type the Java type the tensor is read from or written to
     * @param property the bean property name: the field or component name, or {@code text} for
     *     {@code getText()}
     * @param getter for a private field, the getter found for it
     * @param setter for a private field or a getter, the setter found for it
     */
    record Member(
            Element element,
            Kind kind,
            String label,
            Direction direction,
            AnnotationMirror mirror,
            String name,
            AnnotationValue nameValue,
            TritonDataType datatype,
            AnnotationValue datatypeValue,
            int[] shape,
            AnnotationValue shapeValue,
            List<AnnotationValue> dimValues,
            TypeMirror type,
            String property,
            Optional<ExecutableElement> getter,
            Optional<ExecutableElement> setter) {

        /** "@TritonInput 'TEXT' on Review.text", the subject of every message about the member. */
        String subject() {
            return name == null || name.isBlank()
                    ? direction.display() + " on " + label
                    : direction.display() + " '" + name + "' on " + label;
        }
    }

    /** A record component, which the canonical constructor takes in this order. */
    record Component(String name, TypeMirror type) {}
}
