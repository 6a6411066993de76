package org.flinktriton.processor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import org.flinktriton.annotations.TritonDataType;

/**
 * Stage two: checks a {@link ClassModel} against every rule, collecting all problems, and resolves
 * each member's datatype and shape on the way, since checking them is resolving them. {@link
 * CodecModelBuilder} builds the codec's model from the result only when there are no problems.
 */
final class Validator {
    /**
     * A member that passed every check, with its datatype and shape resolved.
     *
     * @param member the member as read
     * @param type its datatype, {@code AUTO} inferred, and its Java side
     * @param shape its per-record shape, defaults applied
     */
    record Checked(ClassModel.Member member, TypeRules.Resolved type, int[] shape) {}

    /**
     * Checks {@code model}; on success returns its members, checked and in declaration order,
     * otherwise an empty result and every problem in {@code report}.
     */
    Optional<List<Checked>> validate(ClassModel model, Report report) {
        boolean hasOutputs = false;
        boolean hasInputs = false;
        for (ClassModel.Member member : model.members()) {
            hasInputs |= member.direction() == Direction.INPUT;
            hasOutputs |= member.direction() == Direction.OUTPUT;
        }
        checkClass(model, hasOutputs, report);
        checkModel(model, hasInputs, report);

        Map<String, ClassModel.Member> inputNames = new LinkedHashMap<>();
        Map<String, ClassModel.Member> outputNames = new LinkedHashMap<>();
        List<Checked> checked = new ArrayList<>();
        for (ClassModel.Member member : model.members()) {
            checkMember(model, member, report).ifPresent(checked::add);
            checkDuplicate(
                    member,
                    member.direction() == Direction.INPUT ? inputNames : outputNames,
                    report);
        }
        return report.isClean() ? Optional.of(checked) : Optional.empty();
    }

    private void checkClass(ClassModel model, boolean hasOutputs, Report report) {
        TypeElement type = model.type();
        String label = model.label();
        if (type.getKind() != ElementKind.CLASS && type.getKind() != ElementKind.RECORD) {
            report.add(
                    Message.CLASS_KIND,
                    type,
                    label,
                    "an " + type.getKind().name().toLowerCase(Locale.ROOT));
            return;
        }
        if (type.getNestingKind() == NestingKind.LOCAL
                || type.getNestingKind() == NestingKind.ANONYMOUS) {
            report.add(Message.CLASS_LOCAL, type, label);
            return;
        }
        for (Element outer = type;
                outer instanceof TypeElement nested;
                outer = outer.getEnclosingElement()) {
            if (nested.getModifiers().contains(Modifier.PRIVATE)) {
                report.add(Message.CLASS_PRIVATE, type, label);
                break;
            }
        }
        if (isGeneric(type)) {
            report.add(Message.CLASS_GENERIC, type, label);
        }
        if (!hasOutputs) {
            return;
        }
        if (isInner(type)) {
            report.add(Message.CLASS_INNER, type, label);
        } else if (type.getModifiers().contains(Modifier.ABSTRACT)) {
            report.add(Message.CLASS_ABSTRACT, type, label);
        } else if (type.getKind() == ElementKind.CLASS && !model.noArgConstructor()) {
            report.add(Message.NO_CONSTRUCTOR, type, label);
        }
    }

    private static boolean isInner(TypeElement type) {
        return type.getKind() == ElementKind.CLASS
                && type.getNestingKind() == NestingKind.MEMBER
                && !type.getModifiers().contains(Modifier.STATIC);
    }

    /** Generic itself, or an inner class of a generic class (whose type arguments it carries). */
    private static boolean isGeneric(TypeElement type) {
        for (TypeElement current = type; ; ) {
            if (!current.getTypeParameters().isEmpty()) {
                return true;
            }
            if (!isInner(current)
                    || !(current.getEnclosingElement() instanceof TypeElement outer)) {
                return false;
            }
            current = outer;
        }
    }

    private void checkModel(ClassModel model, boolean hasInputs, Report report) {
        if (model.model().isEmpty()) {
            return;
        }
        ClassModel.ModelAnnotation annotation = model.model().get();
        if (annotation.name() == null || annotation.name().isBlank()) {
            report.add(
                    Message.MODEL_BLANK_NAME,
                    model.type(),
                    annotation.mirror(),
                    annotation.nameValue(),
                    model.label());
        }
        if (!annotation.version().isEmpty() && annotation.version().isBlank()) {
            report.add(
                    Message.MODEL_BLANK_VERSION,
                    model.type(),
                    annotation.mirror(),
                    annotation.versionValue(),
                    model.label());
        }
        if (!hasInputs) {
            report.add(
                    Message.MODEL_WITHOUT_INPUTS,
                    model.type(),
                    annotation.mirror(),
                    null,
                    model.label());
        }
    }

    private void checkDuplicate(
            ClassModel.Member member, Map<String, ClassModel.Member> seen, Report report) {
        if (member.name() == null || member.name().isBlank()) {
            return;
        }
        ClassModel.Member first = seen.putIfAbsent(member.name(), member);
        if (first != null) {
            report.add(
                    Message.DUPLICATE_NAME,
                    member.element(),
                    member.mirror(),
                    member.nameValue(),
                    member.subject(),
                    first.label(),
                    member.direction().noun());
        }
    }

    /** Checks one member; returns it, resolved, when the member itself has no problem. */
    private Optional<Checked> checkMember(
            ClassModel model, ClassModel.Member member, Report report) {
        boolean clean = true;
        if (member.name() == null || member.name().isBlank()) {
            report.add(
                    Message.BLANK_NAME,
                    member.element(),
                    member.mirror(),
                    member.nameValue(),
                    member.subject());
            clean = false;
        }
        if (ModelReader.unresolved(member.type())) {
            report.add(
                    Message.UNRESOLVED_TYPE,
                    member.element(),
                    member.mirror(),
                    null,
                    member.subject(),
                    member.type());
            return Optional.empty();
        }
        if (member.element().getModifiers().contains(Modifier.STATIC)) {
            String noun = member.kind().noun();
            report.add(
                    Message.STATIC_MEMBER,
                    member.element(),
                    member.mirror(),
                    null,
                    member.subject(),
                    noun,
                    noun);
            return Optional.empty();
        }
        if (member.kind() == ClassModel.Kind.METHOD && !checkMethod(model, member, report)) {
            return Optional.empty();
        }
        clean &= checkAccess(model, member, report);

        Optional<TypeRules.Resolved> resolved = resolveType(member, report);
        if (resolved.isEmpty()) {
            return Optional.empty();
        }
        Optional<int[]> shape = resolveShape(member, resolved.get().javaType(), report);
        if (!clean || shape.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Checked(member, resolved.get(), shape.get()));
    }

    private boolean checkMethod(ClassModel model, ClassModel.Member member, Report report) {
        ExecutableElement method = (ExecutableElement) member.element();
        String name = method.getSimpleName().toString();
        if (model.isRecord()
                && method.getParameters().isEmpty()
                && model.components().stream().anyMatch(c -> c.name().equals(name))) {
            report.add(
                    Message.RECORD_ACCESSOR, method, member.mirror(), null, member.subject(), name);
            return false;
        }
        TypeMirror result = method.getReturnType();
        boolean bool =
                result.getKind() == TypeKind.BOOLEAN
                        || (result instanceof DeclaredType declared
                                && declared.asElement() instanceof TypeElement named
                                && named.getQualifiedName().contentEquals("java.lang.Boolean"));
        boolean getter =
                !member.property().isEmpty()
                        && (name.startsWith("get") || bool)
                        && method.getParameters().isEmpty()
                        && method.getReturnType().getKind() != TypeKind.VOID
                        && !method.getModifiers().contains(Modifier.PRIVATE);
        if (!getter) {
            report.add(Message.NOT_A_GETTER, method, member.mirror(), null, member.subject());
        }
        return getter;
    }

    /** Whether generated code can read an input from, and store an output into, the member. */
    private boolean checkAccess(ClassModel model, ClassModel.Member member, Report report) {
        Element element = member.element();
        boolean input = member.direction() == Direction.INPUT;
        boolean isPrivate = element.getModifiers().contains(Modifier.PRIVATE);
        switch (member.kind()) {
            case FIELD -> {
                if (input && isPrivate && member.getter().isEmpty()) {
                    report.add(
                            Message.NO_GETTER,
                            element,
                            member.mirror(),
                            null,
                            member.subject(),
                            model.label(),
                            "get" + Names.capitalize(member.property()));
                    return false;
                }
                if (!input && element.getModifiers().contains(Modifier.FINAL)) {
                    report.add(
                            Message.FINAL_OUTPUT, element, member.mirror(), null, member.subject());
                    return false;
                }
                if (!input && isPrivate && member.setter().isEmpty()) {
                    report.add(
                            Message.NO_SETTER,
                            element,
                            member.mirror(),
                            null,
                            member.subject(),
                            model.label(),
                            "set" + Names.capitalize(member.property()),
                            Names.display(member.type()));
                    return false;
                }
                return true;
            }
            case METHOD -> {
                if (!input && member.setter().isEmpty()) {
                    report.add(
                            Message.NO_SETTER,
                            element,
                            member.mirror(),
                            null,
                            member.subject(),
                            model.label(),
                            "set" + Names.capitalize(member.property()),
                            Names.display(member.type()));
                    return false;
                }
                return true;
            }
            default -> {
                return true;
            }
        }
    }

    private Optional<TypeRules.Resolved> resolveType(ClassModel.Member member, Report report) {
        StringBuilder fix = new StringBuilder();
        TypeRules.Structure structure = TypeRules.structure(member.type(), fix);
        if (structure == null) {
            report.add(
                    Message.UNSUPPORTED_TYPE,
                    member.element(),
                    member.mirror(),
                    null,
                    member.subject(),
                    Names.display(member.type()),
                    fix);
            return Optional.empty();
        }
        TritonDataType datatype = member.datatype();
        if (TypeRules.ambiguous(structure, datatype)) {
            report.add(
                    Message.BYTE_ARRAY_AMBIGUOUS,
                    member.element(),
                    member.mirror(),
                    null,
                    member.subject());
            return Optional.empty();
        }
        Optional<TypeRules.Resolved> resolved = TypeRules.resolve(structure, datatype);
        if (resolved.isEmpty()) {
            mismatch(member, datatype, TypeRules.allowed(structure), report);
        }
        return resolved;
    }

    private void mismatch(
            ClassModel.Member member, TritonDataType datatype, String allowed, Report report) {
        String noun =
                switch (member.kind()) {
                    case FIELD -> "field";
                    case COMPONENT -> "component";
                    case METHOD -> "return type";
                };
        report.add(
                Message.DATATYPE_MISMATCH,
                member.element(),
                member.mirror(),
                member.datatypeValue(),
                member.subject(),
                datatype,
                Names.withArticle(Names.display(member.type())),
                allowed,
                noun,
                TypeRules.javaTypes(datatype));
    }

    /** The shape with defaults applied, when it fits the Java type. */
    private Optional<int[]> resolveShape(
            ClassModel.Member member, JavaType javaType, Report report) {
        int[] declared = member.shape();
        boolean valid = true;
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] == 0 || declared[i] < -1) {
                AnnotationValue value =
                        i < member.dimValues().size()
                                ? member.dimValues().get(i)
                                : member.shapeValue();
                report.add(
                        Message.BAD_DIMENSION,
                        member.element(),
                        member.mirror(),
                        value,
                        member.subject(),
                        i,
                        Names.format(declared));
                valid = false;
            }
        }
        if (!valid) {
            return Optional.empty();
        }
        int rank = javaType.rank();
        int[] shape = declared;
        if (shape.length == 0) {
            shape = new int[Math.max(rank, 1)];
            Arrays.fill(shape, rank == 0 ? 1 : -1);
        }
        String typeName = Names.display(member.type());
        if (rank == 0) {
            for (int dim : shape) {
                if (dim != 1) {
                    report.add(
                            Message.SCALAR_SHAPE,
                            member.element(),
                            member.mirror(),
                            member.shapeValue(),
                            member.subject(),
                            Names.format(shape),
                            javaType.leaf() == JavaType.Leaf.BLOB
                                    ? "byte[] with datatype BYTES"
                                    : typeName,
                            member.kind().noun());
                    return Optional.empty();
                }
            }
        } else if (rank == 1) {
            int variable = 0;
            for (int dim : shape) {
                variable += dim < 0 ? 1 : 0;
            }
            if (shape.length > 1 && variable > 1) {
                report.add(
                        Message.FLAT_VARIABLE_DIMENSIONS,
                        member.element(),
                        member.mirror(),
                        member.shapeValue(),
                        member.subject(),
                        Names.format(shape),
                        typeName,
                        shape.length);
                return Optional.empty();
            }
        } else if (shape.length != rank) {
            report.add(
                    Message.RANK_MISMATCH,
                    member.element(),
                    member.mirror(),
                    member.shapeValue(),
                    member.subject(),
                    Names.format(shape),
                    shape.length,
                    typeName,
                    rank,
                    rank);
            return Optional.empty();
        }
        return Optional.of(shape);
    }
}
