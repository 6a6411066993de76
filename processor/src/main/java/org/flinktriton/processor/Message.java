package org.flinktriton.processor;

import java.util.Locale;
import javax.tools.Diagnostic;

/**
 * Every diagnostic the processor prints, in one place. Each text names its subject (the annotation,
 * tensor and member, or the class), states the rule that is broken and says how to fix it. The tag
 * is stable across releases, so that users and tests can refer to a message by it.
 */
enum Message {
    // Tensor specs.
    DATATYPE_MISMATCH(
            "datatype-mismatch", "%s: datatype %s cannot hold %s; use %s or change the %s to %s"),
    BYTE_ARRAY_AMBIGUOUS(
            "byte-array-ambiguous",
            "%s: a byte[] without a datatype is ambiguous; set datatype = BYTES for one byte string,"
                    + " or INT8/UINT8 for a tensor of bytes"),
    UNSUPPORTED_TYPE("unsupported-type", "%s: %s is not a tensor type; %s"),
    BLANK_NAME(
            "blank-name",
            "%s: the tensor name is blank; set name to the tensor's name as the model declares it"),
    DUPLICATE_NAME(
            "duplicate-name",
            "%s: the tensor name is already used by %s; the %ss of a class need distinct names, so"
                    + " rename one of them"),
    BAD_DIMENSION(
            "bad-dimension",
            "%s: dimension %d of shape %s must be positive or -1 (variable); fix the shape"),
    SCALAR_SHAPE(
            "scalar-shape",
            "%s: shape %s does not hold exactly one element, but a %s holds one; use shape {1} (or"
                    + " leave the shape out), or make the %s an array"),
    RANK_MISMATCH(
            "rank-mismatch",
            "%s: shape %s has %d dimension(s), but %s has %d; give the shape %d dimension(s), or use a"
                    + " flat one-dimensional array, which may carry any shape"),
    FLAT_VARIABLE_DIMENSIONS(
            "flat-variable-dimensions",
            "%s: shape %s has more than one variable dimension, so a flat %s cannot be split into"
                    + " it; fix all dimensions but one, or use a %d-dimensional array"),
    UNRESOLVED_TYPE(
            "unresolved-type",
            "%s: type %s cannot be resolved; fix its import, or the build step that should generate"
                    + " it"),

    // Members.
    STATIC_MEMBER(
            "static-member",
            "%s: the %s is static, but a tensor belongs to each record; make it an instance %s or"
                    + " remove the annotation"),
    NO_GETTER(
            "no-getter",
            "%s: the field is private and %s has no accessible getter %s(); make the field"
                    + " package-private, or add the getter"),
    NO_SETTER(
            "no-setter",
            "%s: %s has no accessible setter %s(%s), so the decoded output cannot be stored; add the"
                    + " setter, or annotate a package-private field instead"),
    FINAL_OUTPUT(
            "final-output",
            "%s: the field is final, so the decoded output cannot be stored; remove final"),
    NOT_A_GETTER(
            "not-a-getter",
            "%s: only a getter (an instance method named getX or isX with no parameters and a"
                    + " result) can carry a tensor annotation; annotate the field or its getter"),
    RECORD_ACCESSOR(
            "record-accessor", "%s: annotate the record component %s instead of its accessor"),

    // Classes.
    CLASS_KIND(
            "class-kind",
            "%s: only classes and records can carry tensors, not %s; move the annotations to a class"),
    CLASS_LOCAL(
            "class-local",
            "%s: a local or anonymous class cannot have a codec; make it a top-level or static nested"
                    + " class"),
    CLASS_PRIVATE(
            "class-private",
            "%s: the class is private, so the generated codec cannot reach it; make it"
                    + " package-private or public"),
    CLASS_GENERIC(
            "class-generic",
            "%s: a generic class cannot have a codec, because the codec cannot know its type"
                    + " arguments; remove the type parameters, or annotate a subclass that fixes them"),
    CLASS_INNER(
            "class-inner",
            "%s: outputs cannot build an inner class without its enclosing instance; declare the"
                    + " class static"),
    CLASS_ABSTRACT(
            "class-abstract",
            "%s: outputs cannot build an abstract class; make it concrete, or move the @TritonOutput"
                    + " members to a concrete class"),
    NO_CONSTRUCTOR(
            "no-constructor",
            "%s: outputs need an accessible no-argument constructor that throws no checked"
                    + " exception to build the class; add one (it may be package-private)"),

    // @TritonModel.
    MODEL_BLANK_NAME(
            "model-blank-name",
            "@TritonModel on %s: the model name is blank; set name to the model's name in the"
                    + " server's repository"),
    MODEL_BLANK_VERSION(
            "model-blank-version",
            "@TritonModel on %s: the version is blank; leave it out to let the server choose, or"
                    + " set one such as \"1\""),
    MODEL_WITHOUT_INPUTS(
            "model-without-inputs",
            "@TritonModel on %s: the class has no @TritonInput, so no request is built from it; put"
                    + " @TritonModel on the class that carries the inputs"),

    // The processor itself.
    CANNOT_WRITE("cannot-write", "%s: cannot write the generated codec %s: %s"),
    INTERNAL_ERROR(
            "internal-error",
            "The flink-triton processor failed on %s; this is a bug, please report it with this"
                    + " trace:%n%s");

    private final String tag;
    private final String format;

    Message(String tag, String format) {
        this.tag = tag;
        this.format = format;
    }

    /** The stable identifier, printed after every message. */
    String tag() {
        return tag;
    }

    /** Every message the processor prints is an error: a wrong spec must not compile. */
    Diagnostic.Kind kind() {
        return Diagnostic.Kind.ERROR;
    }

    String format(Object... args) {
        return String.format(Locale.ROOT, format, args) + " [flink-triton:" + tag + "]";
    }
}
