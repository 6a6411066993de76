package org.flinktriton.processor;

import com.palantir.javapoet.ClassName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/**
 * Ends stage two: builds the {@link CodecModel} of a class whose members {@link Validator} passed,
 * deciding how generated code reaches each member, so that {@link CodecGenerator} only writes code.
 */
final class CodecModelBuilder {
    private final Elements elements;

    CodecModelBuilder(Elements elements) {
        this.elements = elements;
    }

    CodecModel build(ClassModel model, List<Validator.Checked> members) {
        List<CodecModel.Tensor> inputs = new ArrayList<>();
        List<CodecModel.Tensor> outputs = new ArrayList<>();
        for (Validator.Checked checked : members) {
            List<CodecModel.Tensor> tensors =
                    checked.member().direction() == Direction.INPUT ? inputs : outputs;
            tensors.add(tensor(checked, tensors.size()));
        }
        List<CodecModel.Component> components = new ArrayList<>();
        for (ClassModel.Component component : model.components()) {
            Optional<CodecModel.Tensor> output =
                    outputs.stream()
                            .filter(tensor -> tensor.writeName().equals(component.name()))
                            .findFirst();
            components.add(new CodecModel.Component(component.name(), component.type(), output));
        }
        TypeElement type = model.type();
        Optional<ClassModel.ModelAnnotation> annotation = model.model();
        return new CodecModel(
                type,
                ClassName.get(type),
                Names.codecName(ClassName.get(type)),
                annotation.map(ClassModel.ModelAnnotation::name),
                annotation
                        .map(ClassModel.ModelAnnotation::version)
                        .filter(version -> !version.isEmpty()),
                inputs,
                outputs,
                components,
                suppressions(model));
    }

    /** How generated code reaches one member, and what it moves. */
    private static CodecModel.Tensor tensor(Validator.Checked checked, int index) {
        ClassModel.Member member = checked.member();
        CodecModel.Via readVia;
        String readName;
        CodecModel.Via writeVia;
        String writeName;
        switch (member.kind()) {
            case COMPONENT -> {
                readVia = CodecModel.Via.METHOD;
                readName = member.property();
                writeVia = CodecModel.Via.COMPONENT;
                writeName = member.property();
            }
            case METHOD -> {
                readVia = CodecModel.Via.METHOD;
                readName = member.element().getSimpleName().toString();
                writeVia = CodecModel.Via.METHOD;
                writeName = member.setter().map(s -> s.getSimpleName().toString()).orElse("");
            }
            default -> {
                boolean direct = !member.element().getModifiers().contains(Modifier.PRIVATE);
                String field = member.element().getSimpleName().toString();
                readVia = direct ? CodecModel.Via.FIELD : CodecModel.Via.METHOD;
                readName =
                        direct
                                ? field
                                : member.getter().map(g -> g.getSimpleName().toString()).orElse("");
                writeVia = direct ? CodecModel.Via.FIELD : CodecModel.Via.METHOD;
                writeName =
                        direct
                                ? field
                                : member.setter().map(s -> s.getSimpleName().toString()).orElse("");
            }
        }
        return new CodecModel.Tensor(
                index,
                member.name(),
                checked.type().datatype(),
                checked.shape(),
                checked.type().javaType(),
                member.label(),
                member.property().isEmpty()
                        ? member.element().getSimpleName().toString()
                        : member.property(),
                readVia,
                readName,
                writeVia,
                writeName);
    }

    /** "deprecation"/"removal" when generated code touches a deprecated element. */
    private List<String> suppressions(ClassModel model) {
        Set<Element> used = new LinkedHashSet<>();
        for (Element outer = model.type();
                outer instanceof TypeElement;
                outer = outer.getEnclosingElement()) {
            used.add(outer);
        }
        for (ClassModel.Member member : model.members()) {
            used.add(member.element());
            member.getter().ifPresent(used::add);
            member.setter().ifPresent(used::add);
        }
        Set<String> componentNames = new LinkedHashSet<>();
        for (ClassModel.Component component : model.components()) {
            componentNames.add(component.name());
        }
        for (Element enclosed : model.type().getEnclosedElements()) {
            boolean accessor =
                    enclosed instanceof ExecutableElement method
                            && method.getKind() == ElementKind.METHOD
                            && method.getParameters().isEmpty()
                            && componentNames.contains(method.getSimpleName().toString());
            if (enclosed.getKind() == ElementKind.CONSTRUCTOR || accessor) {
                used.add(enclosed);
            }
        }
        Set<String> suppressions = new LinkedHashSet<>();
        for (Element element : used) {
            Deprecated deprecated = element.getAnnotation(Deprecated.class);
            if (deprecated != null || elements.isDeprecated(element)) {
                suppressions.add(
                        deprecated != null && deprecated.forRemoval() ? "removal" : "deprecation");
            }
        }
        return List.copyOf(suppressions);
    }
}
