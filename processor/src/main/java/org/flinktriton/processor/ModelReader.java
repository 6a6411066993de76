package org.flinktriton.processor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.RecordComponentElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.ExecutableType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonModel;

/**
 * Stage one: reads an annotated class into a {@link ClassModel}, exactly as written. It judges
 * nothing; it only looks up what generated code could use (accessors, constructors).
 */
final class ModelReader {
    private static final String MODEL_ANNOTATION = TritonModel.class.getCanonicalName();

    private final Elements elements;
    private final Types types;

    ModelReader(ProcessingEnvironment env) {
        this.elements = env.getElementUtils();
        this.types = env.getTypeUtils();
    }

    ClassModel read(TypeElement type) {
        String label = Names.label(type);
        List<ClassModel.Member> members = new ArrayList<>();
        List<ClassModel.Component> components = new ArrayList<>();
        if (type.getKind() == ElementKind.RECORD) {
            readRecord(type, label, members, components);
        } else {
            for (Element enclosed : type.getEnclosedElements()) {
                if (enclosed.getKind() == ElementKind.FIELD
                        || enclosed.getKind() == ElementKind.METHOD) {
                    readMember(type, label, enclosed, members);
                }
            }
        }
        return new ClassModel(
                type, label, readModel(type), members, components, hasNoArgConstructor(type));
    }

    /**
     * Annotations on a record component propagate to its field and implicit accessor: reading the
     * components alone sees each annotation once.
     */
    private void readRecord(
            TypeElement type,
            String label,
            List<ClassModel.Member> members,
            List<ClassModel.Component> components) {
        Map<String, RecordComponentElement> byName = new HashMap<>();
        Map<String, VariableElement> fields = new HashMap<>();
        for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
            fields.put(field.getSimpleName().toString(), field);
        }
        for (RecordComponentElement component : type.getRecordComponents()) {
            String name = component.getSimpleName().toString();
            byName.put(name, component);
            components.add(new ClassModel.Component(name, component.asType()));
            for (Direction direction : Direction.values()) {
                Optional<AnnotationMirror> mirror = find(component, direction.annotationName());
                if (mirror.isEmpty()) {
                    continue;
                }
                // javac cannot place a diagnostic on a record component, but it can on the
                // component's field, which carries the same annotation at the same position.
                Element at = component;
                VariableElement field = fields.get(name);
                Optional<AnnotationMirror> onField =
                        field == null ? Optional.empty() : find(field, direction.annotationName());
                if (onField.isPresent()) {
                    at = field;
                    mirror = onField;
                }
                members.add(
                        member(
                                at,
                                ClassModel.Kind.COMPONENT,
                                label + "." + name,
                                direction,
                                mirror.get(),
                                component.asType(),
                                name,
                                Optional.empty(),
                                Optional.empty()));
            }
        }
        for (Element enclosed : type.getEnclosedElements()) {
            String name = enclosed.getSimpleName().toString();
            boolean componentField =
                    enclosed.getKind() == ElementKind.FIELD
                            && !enclosed.getModifiers().contains(Modifier.STATIC);
            if (componentField) {
                continue; // propagated from the component
            }
            if (enclosed.getKind() == ElementKind.METHOD && byName.containsKey(name)) {
                ExecutableElement method = (ExecutableElement) enclosed;
                RecordComponentElement component = byName.get(name);
                if (method.getParameters().isEmpty()) {
                    // Propagated to an implicit accessor: already read from the component. An
                    // annotation only on an explicit accessor is read, and rejected, as a method.
                    for (Direction direction : Direction.values()) {
                        if (find(method, direction.annotationName()).isPresent()
                                && find(component, direction.annotationName()).isEmpty()) {
                            readAnnotations(type, label, method, direction, members);
                        }
                    }
                    continue;
                }
            }
            if (enclosed.getKind() == ElementKind.FIELD
                    || enclosed.getKind() == ElementKind.METHOD) {
                readMember(type, label, enclosed, members);
            }
        }
    }

    private void readMember(
            TypeElement type, String label, Element enclosed, List<ClassModel.Member> members) {
        for (Direction direction : Direction.values()) {
            readAnnotations(type, label, enclosed, direction, members);
        }
    }

    private void readAnnotations(
            TypeElement type,
            String label,
            Element enclosed,
            Direction direction,
            List<ClassModel.Member> members) {
        Optional<AnnotationMirror> found = find(enclosed, direction.annotationName());
        if (found.isEmpty()) {
            return;
        }
        if (enclosed instanceof VariableElement field) {
            String name = field.getSimpleName().toString();
            boolean reachable = !field.getModifiers().contains(Modifier.PRIVATE);
            members.add(
                    member(
                            field,
                            ClassModel.Kind.FIELD,
                            label + "." + name,
                            direction,
                            found.get(),
                            field.asType(),
                            name,
                            reachable ? Optional.empty() : getter(type, name, field.asType()),
                            reachable ? Optional.empty() : setter(type, name, field.asType())));
        } else {
            ExecutableElement method = (ExecutableElement) enclosed;
            String name = method.getSimpleName().toString();
            String property = Names.property(name);
            TypeMirror result = method.getReturnType();
            members.add(
                    member(
                            method,
                            ClassModel.Kind.METHOD,
                            label + "." + name + "()",
                            direction,
                            found.get(),
                            result,
                            property,
                            Optional.of(method),
                            property.isEmpty() || result.getKind() == TypeKind.VOID
                                    ? Optional.empty()
                                    : setter(type, property, result)));
        }
    }

    private ClassModel.Member member(
            Element element,
            ClassModel.Kind kind,
            String label,
            Direction direction,
            AnnotationMirror mirror,
            TypeMirror type,
            String property,
            Optional<ExecutableElement> getter,
            Optional<ExecutableElement> setter) {
        String name = null;
        AnnotationValue nameValue = null;
        TritonDataType datatype = TritonDataType.AUTO;
        AnnotationValue datatypeValue = null;
        int[] shape = new int[0];
        AnnotationValue shapeValue = null;
        List<AnnotationValue> dimValues = List.of();
        Map<? extends ExecutableElement, ? extends AnnotationValue> explicit =
                mirror.getElementValues();
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> entry :
                elements.getElementValuesWithDefaults(mirror).entrySet()) {
            String key = entry.getKey().getSimpleName().toString();
            AnnotationValue value = entry.getValue();
            boolean written = explicit.containsKey(entry.getKey());
            Object raw = value.getValue();
            switch (key) {
                case "name" -> {
                    name = raw instanceof String text ? text : null;
                    nameValue = written ? value : null;
                }
                case "datatype" -> {
                    datatype = datatype(raw);
                    datatypeValue = written ? value : null;
                }
                case "shape" -> {
                    if (raw instanceof List<?> list) {
                        shape = new int[list.size()];
                        List<AnnotationValue> values = new ArrayList<>();
                        for (int i = 0; i < list.size(); i++) {
                            AnnotationValue dim = (AnnotationValue) list.get(i);
                            shape[i] = dim.getValue() instanceof Integer n ? n : 1;
                            values.add(dim);
                        }
                        dimValues = written ? values : List.of();
                    }
                    shapeValue = written ? value : null;
                }
                default -> {
                    // an attribute of a newer annotation version: nothing to read
                }
            }
        }
        return new ClassModel.Member(
                element,
                kind,
                label,
                direction,
                mirror,
                name,
                nameValue,
                datatype,
                datatypeValue,
                shape,
                shapeValue,
                dimValues,
                type,
                property,
                getter,
                setter);
    }

    private static TritonDataType datatype(Object raw) {
        if (raw instanceof VariableElement constant) {
            for (TritonDataType datatype : TritonDataType.values()) {
                if (constant.getSimpleName().contentEquals(datatype.name())) {
                    return datatype;
                }
            }
        }
        return TritonDataType.AUTO;
    }

    private Optional<ClassModel.ModelAnnotation> readModel(TypeElement type) {
        return find(type, MODEL_ANNOTATION)
                .map(
                        mirror -> {
                            String name = null;
                            String version = "";
                            AnnotationValue nameValue = null;
                            AnnotationValue versionValue = null;
                            for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue>
                                    entry :
                                            elements.getElementValuesWithDefaults(mirror)
                                                    .entrySet()) {
                                boolean written =
                                        mirror.getElementValues().containsKey(entry.getKey());
                                Object raw = entry.getValue().getValue();
                                if (entry.getKey().getSimpleName().contentEquals("name")) {
                                    name = raw instanceof String text ? text : null;
                                    nameValue = written ? entry.getValue() : null;
                                } else if (entry.getKey()
                                        .getSimpleName()
                                        .contentEquals("version")) {
                                    version = raw instanceof String text ? text : "";
                                    versionValue = written ? entry.getValue() : null;
                                }
                            }
                            return new ClassModel.ModelAnnotation(
                                    mirror, name, nameValue, version, versionValue);
                        });
    }

    static Optional<AnnotationMirror> find(Element element, String annotationName) {
        for (AnnotationMirror mirror : element.getAnnotationMirrors()) {
            Element annotation = mirror.getAnnotationType().asElement();
            if (annotation instanceof TypeElement named
                    && named.getQualifiedName().contentEquals(annotationName)) {
                return Optional.of(mirror);
            }
        }
        return Optional.empty();
    }

    /** A getter for a private field: {@code getX()}, {@code isX()} for booleans, or {@code x()}. */
    private Optional<ExecutableElement> getter(
            TypeElement type, String property, TypeMirror value) {
        List<String> names = new ArrayList<>();
        names.add("get" + Names.capitalize(property));
        if (value.getKind() == TypeKind.BOOLEAN || types.isSameType(value, boxedBoolean())) {
            names.add("is" + Names.capitalize(property));
        }
        names.add(property);
        for (String name : names) {
            for (ExecutableElement method : usableMethods(type, name, 0)) {
                ExecutableType resolved = resolve(type, method);
                if (types.isSameType(resolved.getReturnType(), value)) {
                    return Optional.of(method);
                }
            }
        }
        return Optional.empty();
    }

    /** A setter {@code setX(value)} for a private field or an annotated getter. */
    private Optional<ExecutableElement> setter(
            TypeElement type, String property, TypeMirror value) {
        for (ExecutableElement method :
                usableMethods(type, "set" + Names.capitalize(property), 1)) {
            ExecutableType resolved = resolve(type, method);
            if (types.isSameType(resolved.getParameterTypes().get(0), value)) {
                return Optional.of(method);
            }
        }
        return Optional.empty();
    }

    private TypeMirror boxedBoolean() {
        return elements.getTypeElement(Boolean.class.getCanonicalName()).asType();
    }

    private ExecutableType resolve(TypeElement type, ExecutableElement method) {
        if (type.asType() instanceof DeclaredType declared) {
            try {
                return (ExecutableType) types.asMemberOf(declared, method);
            } catch (IllegalArgumentException e) {
                // not a member after all: fall back to the declaration
            }
        }
        return (ExecutableType) method.asType();
    }

    /**
     * Instance methods of {@code type} (inherited ones included) that generated code in its package
     * may call without handling a checked exception.
     */
    private List<ExecutableElement> usableMethods(TypeElement type, String name, int parameters) {
        List<ExecutableElement> found = new ArrayList<>();
        PackageElement pkg = elements.getPackageOf(type);
        for (ExecutableElement method : ElementFilter.methodsIn(elements.getAllMembers(type))) {
            if (method.getSimpleName().contentEquals(name)
                    && method.getParameters().size() == parameters
                    && !method.getModifiers().contains(Modifier.STATIC)
                    && accessible(method, pkg)
                    && throwsNothingChecked(method)) {
                found.add(method);
            }
        }
        return found;
    }

    private boolean hasNoArgConstructor(TypeElement type) {
        PackageElement pkg = elements.getPackageOf(type);
        for (ExecutableElement constructor :
                ElementFilter.constructorsIn(type.getEnclosedElements())) {
            if (constructor.getParameters().isEmpty()
                    && accessible(constructor, pkg)
                    && throwsNothingChecked(constructor)) {
                return true;
            }
        }
        return false;
    }

    private boolean accessible(Element member, PackageElement from) {
        if (member.getModifiers().contains(Modifier.PRIVATE)) {
            return false;
        }
        return member.getModifiers().contains(Modifier.PUBLIC)
                || elements.getPackageOf(member).equals(from);
    }

    private boolean throwsNothingChecked(ExecutableElement method) {
        TypeMirror runtime = elements.getTypeElement(RuntimeException.class.getName()).asType();
        TypeMirror error = elements.getTypeElement(Error.class.getName()).asType();
        for (TypeMirror thrown : method.getThrownTypes()) {
            if (!types.isSubtype(thrown, runtime) && !types.isSubtype(thrown, error)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code type} mentions a type that is not resolved (yet). */
    static boolean unresolved(TypeMirror type) {
        if (type.getKind() == TypeKind.ERROR) {
            return true;
        }
        if (type instanceof ArrayType array) {
            return unresolved(array.getComponentType());
        }
        if (type instanceof DeclaredType declared) {
            for (TypeMirror argument : declared.getTypeArguments()) {
                if (unresolved(argument)) {
                    return true;
                }
            }
        }
        return false;
    }
}
