package org.flinktriton.processor;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;
import org.flinktriton.annotations.TritonDataType;

/**
 * Stage three: writes the codec class for a {@link CodecModel} that passed validation: the class
 * declaration and its spec fields here, the methods of each codec interface in {@link
 * InputCodecMethods} and {@link OutputCodecMethods}.
 *
 * <p>Generated code reads and writes fields directly or through accessors, moves a primitive array
 * (or each row of a multi-dimensional one) with a single writer or reader call, and checks values
 * in {@code shape} so that {@code write} can copy without checks.
 */
final class CodecGenerator {
    private static final ClassName DATATYPE = ClassName.get(TritonDataType.class);
    private static final ClassName GENERATED =
            ClassName.get("javax.annotation.processing", "Generated");
    private static final ClassName LIST = ClassName.get(List.class);

    private final boolean generatedAnnotation;

    /**
     * @param generatedAnnotation whether {@code javax.annotation.processing.Generated} exists on
     *     the compile path (it does from Java 9 on)
     */
    CodecGenerator(boolean generatedAnnotation) {
        this.generatedAnnotation = generatedAnnotation;
    }

    JavaFile generate(CodecModel model) {
        TypeName type = model.typeName();
        NameAllocator names = new NameAllocator();
        for (String reserved :
                List.of(
                        "type",
                        "inputs",
                        "outputs",
                        "modelName",
                        "modelVersion",
                        "shape",
                        "write",
                        "read",
                        "canEnrich",
                        "enrich",
                        CodecApi.INPUTS,
                        CodecApi.OUTPUTS)) {
            names.newName(reserved);
        }
        List<MethodSpec> helpers = new ArrayList<>();
        TypeSpec.Builder codec =
                TypeSpec.classBuilder(model.codecName())
                        .addJavadoc(javadoc(model))
                        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                        .addOriginatingElement(model.type());
        if (generatedAnnotation) {
            codec.addAnnotation(
                    AnnotationSpec.builder(GENERATED)
                            .addMember("value", "$S", TritonCodecProcessor.class.getName())
                            .build());
        }
        if (!model.suppressions().isEmpty()) {
            List<CodeBlock> warnings = new ArrayList<>();
            for (String warning : model.suppressions()) {
                warnings.add(CodeBlock.of("$S", warning));
            }
            AnnotationSpec.Builder suppress =
                    AnnotationSpec.builder(SuppressWarnings.class)
                            .addMember(
                                    "value",
                                    warnings.size() == 1
                                            ? warnings.get(0)
                                            : CodeBlock.of("{$L}", CodeBlock.join(warnings, ", ")));
            codec.addAnnotation(suppress.build());
        }
        if (!model.inputs().isEmpty()) {
            codec.addSuperinterface(ParameterizedTypeName.get(CodecApi.INPUT_CODEC, type));
            codec.addField(specs(CodecApi.INPUTS, model.inputs()));
        }
        if (!model.outputs().isEmpty()) {
            codec.addSuperinterface(ParameterizedTypeName.get(CodecApi.OUTPUT_CODEC, type));
            codec.addField(specs(CodecApi.OUTPUTS, model.outputs()));
        }
        codec.addMethod(
                MethodSpec.constructorBuilder()
                        .addJavadoc("For {@code TritonCodecs}, which instantiates codecs.\n")
                        .addModifiers(Modifier.PUBLIC)
                        .build());
        codec.addMethod(
                CodecApi.override(
                                "type", ParameterizedTypeName.get(ClassName.get(Class.class), type))
                        .addStatement("return $T.class", type)
                        .build());
        if (!model.inputs().isEmpty()) {
            codec.addMethod(
                    CodecApi.override("inputs", CodecApi.SPECS)
                            .addStatement("return $N", CodecApi.INPUTS)
                            .build());
            new InputCodecMethods(model, names, helpers).addTo(codec);
        }
        if (!model.outputs().isEmpty()) {
            codec.addMethod(
                    CodecApi.override("outputs", CodecApi.SPECS)
                            .addStatement("return $N", CodecApi.OUTPUTS)
                            .build());
            new OutputCodecMethods(model, names, helpers).addTo(codec);
        }
        codec.addMethods(helpers);
        return JavaFile.builder(model.codecName().packageName(), codec.build())
                .indent("    ")
                .skipJavaLangImports(true)
                .build();
    }

    private static CodeBlock javadoc(CodecModel model) {
        TypeName type = model.typeName();
        CodeBlock.Builder doc = CodeBlock.builder();
        if (model.outputs().isEmpty()) {
            doc.add("Writes {@link $T} records as Triton input tensors.", type);
        } else if (model.inputs().isEmpty()) {
            doc.add("Builds {@link $T} records from Triton output tensors.", type);
        } else {
            doc.add(
                    "Writes {@link $T} records as Triton input tensors and enriches them"
                            + " with the\noutput tensors.",
                    type);
        }
        return doc.add(
                        " Generated by the flink-triton annotation processor from the"
                                + " class's\nannotations: do not edit.\n")
                .build();
    }

    private static FieldSpec specs(String name, List<CodecModel.Tensor> tensors) {
        CodeBlock.Builder list = CodeBlock.builder().add("$T.of(", LIST).indent().indent();
        for (int i = 0; i < tensors.size(); i++) {
            CodecModel.Tensor tensor = tensors.get(i);
            list.add(i == 0 ? "\n" : ",\n")
                    .add(
                            "$T.of($S, $T.$L",
                            CodecApi.TENSOR_SPEC,
                            tensor.name(),
                            DATATYPE,
                            tensor.datatype());
            for (int dim : tensor.shape()) {
                list.add(", $L", dim);
            }
            list.add(")");
        }
        list.unindent().unindent().add(")");
        return FieldSpec.builder(
                        CodecApi.SPECS, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer(list.build())
                .build();
    }
}
