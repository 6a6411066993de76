package org.flinktriton.processor;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
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
import java.util.Optional;
import javax.lang.model.element.Modifier;
import javax.lang.model.type.TypeMirror;
import org.flinktriton.annotations.TritonDataType;

/**
 * Stage three: writes the codec class for a {@link CodecModel} that passed validation.
 *
 * <p>Generated code reads and writes fields directly or through accessors, moves a primitive array
 * (or each row of a multi-dimensional one) with a single writer or reader call, and checks values
 * in {@code shape} so that {@code write} can copy without checks.
 */
final class CodecGenerator {
    private static final String CODEC_PACKAGE = "org.flinktriton.codec";
    private static final ClassName TENSOR_SPEC = ClassName.get(CODEC_PACKAGE, "TensorSpec");
    private static final ClassName TENSOR_WRITER = ClassName.get(CODEC_PACKAGE, "TensorWriter");
    private static final ClassName TENSOR_READER = ClassName.get(CODEC_PACKAGE, "TensorReader");
    private static final ClassName INPUT_CODEC = ClassName.get(CODEC_PACKAGE, "TritonInputCodec");
    private static final ClassName OUTPUT_CODEC = ClassName.get(CODEC_PACKAGE, "TritonOutputCodec");
    private static final ClassName CHECKS = ClassName.get(CODEC_PACKAGE, "CodecChecks");
    private static final ClassName DATATYPE = ClassName.get(TritonDataType.class);
    private static final ClassName GENERATED =
            ClassName.get("javax.annotation.processing", "Generated");
    private static final ClassName LIST = ClassName.get(List.class);
    private static final ClassName ARRAY_LIST = ClassName.get(ArrayList.class);
    private static final ClassName OPTIONAL = ClassName.get(Optional.class);
    private static final TypeName SPECS = ParameterizedTypeName.get(LIST, TENSOR_SPEC);
    private static final TypeName STRING = ClassName.get(String.class);

    private static final String INPUTS = "INPUTS";
    private static final String OUTPUTS = "OUTPUTS";

    private final boolean generatedAnnotation;

    /**
     * @param generatedAnnotation whether {@code javax.annotation.processing.Generated} exists on
     *     the compile path (it does from Java 9 on)
     */
    CodecGenerator(boolean generatedAnnotation) {
        this.generatedAnnotation = generatedAnnotation;
    }

    JavaFile generate(CodecModel model) {
        return new Writer(model).file();
    }

    /** The state of one class's generation. */
    private final class Writer {
        private final CodecModel model;
        private final TypeName type;
        private final NameAllocator names = new NameAllocator();
        private final List<MethodSpec> helpers = new ArrayList<>();

        Writer(CodecModel model) {
            this.model = model;
            this.type = model.typeName();
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
                            INPUTS,
                            OUTPUTS)) {
                names.newName(reserved);
            }
        }

        JavaFile file() {
            TypeSpec.Builder codec =
                    TypeSpec.classBuilder(model.codecName())
                            .addJavadoc(javadoc())
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
                                                : CodeBlock.of(
                                                        "{$L}", CodeBlock.join(warnings, ", ")));
                codec.addAnnotation(suppress.build());
            }
            if (!model.inputs().isEmpty()) {
                codec.addSuperinterface(ParameterizedTypeName.get(INPUT_CODEC, type));
                codec.addField(specs(INPUTS, model.inputs()));
            }
            if (!model.outputs().isEmpty()) {
                codec.addSuperinterface(ParameterizedTypeName.get(OUTPUT_CODEC, type));
                codec.addField(specs(OUTPUTS, model.outputs()));
            }
            codec.addMethod(
                    MethodSpec.constructorBuilder()
                            .addJavadoc("For {@code TritonCodecs}, which instantiates codecs.\n")
                            .addModifiers(Modifier.PUBLIC)
                            .build());
            codec.addMethod(
                    override("type", ParameterizedTypeName.get(ClassName.get(Class.class), type))
                            .addStatement("return $T.class", type)
                            .build());
            if (!model.inputs().isEmpty()) {
                addInputMethods(codec);
            }
            if (!model.outputs().isEmpty()) {
                addOutputMethods(codec);
            }
            codec.addMethods(helpers);
            return JavaFile.builder(model.codecName().packageName(), codec.build())
                    .indent("    ")
                    .skipJavaLangImports(true)
                    .build();
        }

        private CodeBlock javadoc() {
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

        private FieldSpec specs(String name, List<CodecModel.Tensor> tensors) {
            CodeBlock.Builder list = CodeBlock.builder().add("$T.of(", LIST).indent().indent();
            for (int i = 0; i < tensors.size(); i++) {
                CodecModel.Tensor tensor = tensors.get(i);
                list.add(i == 0 ? "\n" : ",\n")
                        .add(
                                "$T.of($S, $T.$L",
                                TENSOR_SPEC,
                                tensor.name(),
                                DATATYPE,
                                tensor.datatype());
                for (int dim : tensor.shape()) {
                    list.add(", $L", dim);
                }
                list.add(")");
            }
            list.unindent().unindent().add(")");
            return FieldSpec.builder(SPECS, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .initializer(list.build())
                    .build();
        }

        private MethodSpec.Builder override(String name, TypeName returns) {
            return MethodSpec.methodBuilder(name)
                    .addAnnotation(Override.class)
                    .addModifiers(Modifier.PUBLIC)
                    .returns(returns);
        }

        // ---- inputs ----------------------------------------------------------------------

        private void addInputMethods(TypeSpec.Builder codec) {
            codec.addMethod(override("inputs", SPECS).addStatement("return $N", INPUTS).build());
            if (model.modelName().isPresent()) {
                TypeName optionalString = ParameterizedTypeName.get(OPTIONAL, STRING);
                codec.addMethod(
                        override("modelName", optionalString)
                                .addStatement("return $T.of($S)", OPTIONAL, model.modelName().get())
                                .build());
                codec.addMethod(
                        override("modelVersion", optionalString)
                                .addStatement(
                                        model.modelVersion().isPresent()
                                                ? CodeBlock.of(
                                                        "return $T.of($S)",
                                                        OPTIONAL,
                                                        model.modelVersion().get())
                                                : CodeBlock.of("return $T.empty()", OPTIONAL))
                                .build());
            }

            MethodSpec.Builder shape =
                    override("shape", TypeName.VOID)
                            .addParameter(type, "record")
                            .addParameter(TypeName.INT, "input")
                            .addParameter(ArrayTypeName.of(TypeName.INT), "dims")
                            .beginControlFlow("switch (input)");
            MethodSpec.Builder write =
                    override("write", TypeName.VOID)
                            .addParameter(type, "record")
                            .addParameter(TypeName.INT, "input")
                            .addParameter(TENSOR_WRITER, "out")
                            .beginControlFlow("switch (input)");
            for (CodecModel.Tensor tensor : model.inputs()) {
                shape.addStatement("case $L -> $L", tensor.index(), shapeCall(tensor));
                write.addStatement("case $L -> $L", tensor.index(), writeCall(tensor));
            }
            codec.addMethod(
                    shape.addStatement(
                                    "default -> throw $T.noSuchTensor($N, input)", CHECKS, INPUTS)
                            .endControlFlow()
                            .build());
            codec.addMethod(
                    write.addStatement(
                                    "default -> throw $T.noSuchTensor($N, input)", CHECKS, INPUTS)
                            .endControlFlow()
                            .build());
        }

        /** The member's value: {@code record.text} or {@code record.getText()}. */
        private CodeBlock value(CodecModel.Tensor tensor, String receiver) {
            return tensor.readVia() == CodecModel.Via.FIELD
                    ? CodeBlock.of("$N.$N", receiver, tensor.readName())
                    : CodeBlock.of("$N.$N()", receiver, tensor.readName());
        }

        private CodeBlock spec(CodecModel.Tensor tensor) {
            return CodeBlock.of("$N.get($L)", INPUTS, tensor.index());
        }

        /** What {@code shape} does for one input: a statement, or a call of a helper. */
        private CodeBlock shapeCall(CodecModel.Tensor tensor) {
            JavaType javaType = tensor.javaType();
            if (javaType.rank() == 0
                    && !javaType.nullableElements()
                    && tensor.shape().length == 1) {
                return CodeBlock.of("dims[0] = 1");
            }
            String name = names.newName("shapeOf" + Names.capitalize(tensor.property()));
            MethodSpec.Builder helper =
                    MethodSpec.methodBuilder(name)
                            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                            .addParameter(type, "record")
                            .addParameter(ArrayTypeName.of(TypeName.INT), "dims");
            helper.addCode(shapeBody(tensor));
            helpers.add(helper.build());
            return CodeBlock.of("$N(record, dims)", name);
        }

        private CodeBlock shapeBody(CodecModel.Tensor tensor) {
            JavaType javaType = tensor.javaType();
            int[] shape = tensor.shape();
            CodeBlock.Builder code = CodeBlock.builder();
            if (javaType.rank() == 0) {
                if (javaType.nullableElements()) {
                    code.beginControlFlow("if ($L == null)", value(tensor, "record"))
                            .addStatement(
                                    "throw $T.nullValue($S, $L)",
                                    CHECKS,
                                    tensor.label(),
                                    spec(tensor))
                            .endControlFlow();
                }
                for (int d = 0; d < shape.length; d++) {
                    code.addStatement("dims[$L] = 1", d);
                }
                return code.build();
            }
            code.addStatement("$T value = $L", javaType.typeName(0), value(tensor, "record"));
            code.beginControlFlow("if (value == null)")
                    .addStatement(
                            "throw $T.nullValue($S, $L)", CHECKS, tensor.label(), spec(tensor))
                    .endControlFlow();
            if (javaType.rank() == 1) {
                flatShape(tensor, code);
            } else {
                nestedShape(tensor, code);
            }
            return code.build();
        }

        /** A one-dimensional value (array or list), which may carry any shape. */
        private void flatShape(CodecModel.Tensor tensor, CodeBlock.Builder code) {
            JavaType javaType = tensor.javaType();
            int[] shape = tensor.shape();
            CodeBlock length =
                    javaType.list() ? CodeBlock.of("value.size()") : CodeBlock.of("value.length");
            if (shape.length == 1) {
                if (shape[0] > 0) {
                    code.beginControlFlow("if ($L != $L)", length, shape[0])
                            .addStatement(
                                    "throw $T.wrongLength($S, $L, 0, $L)",
                                    CHECKS,
                                    tensor.label(),
                                    spec(tensor),
                                    length)
                            .endControlFlow()
                            .addStatement("dims[0] = $L", shape[0]);
                } else {
                    code.addStatement("dims[0] = $L", length);
                }
            } else {
                int variable = -1;
                long block = 1;
                for (int d = 0; d < shape.length; d++) {
                    if (shape[d] < 0) {
                        variable = d;
                    } else {
                        block *= shape[d];
                    }
                }
                if (variable < 0) {
                    code.beginControlFlow("if ($L != $L)", length, literal(block))
                            .addStatement(
                                    "throw $T.wrongElementCount($S, $L, $L)",
                                    CHECKS,
                                    tensor.label(),
                                    spec(tensor),
                                    length)
                            .endControlFlow();
                } else if (block != 1) {
                    code.beginControlFlow("if ($L % $L != 0)", length, literal(block))
                            .addStatement(
                                    "throw $T.notMultiple($S, $L, $L)",
                                    CHECKS,
                                    tensor.label(),
                                    spec(tensor),
                                    length)
                            .endControlFlow();
                }
                for (int d = 0; d < shape.length; d++) {
                    if (d != variable) {
                        code.addStatement("dims[$L] = $L", d, shape[d]);
                    } else if (block == 1) {
                        code.addStatement("dims[$L] = $L", d, length);
                    } else {
                        code.addStatement("dims[$L] = $L / $L", d, length, literal(block));
                    }
                }
            }
            if (javaType.nullableElements()) {
                if (javaType.list()) {
                    code.addStatement("int i0 = 0")
                            .beginControlFlow(
                                    "for ($T element : value)", javaType.elementTypeName())
                            .beginControlFlow("if (element == null)")
                            .addStatement(
                                    "throw $T.nullElement($S, $L, i0)",
                                    CHECKS,
                                    tensor.label(),
                                    spec(tensor))
                            .endControlFlow()
                            .addStatement("i0++")
                            .endControlFlow();
                } else {
                    code.beginControlFlow("for (int i0 = 0; i0 < value.length; i0++)")
                            .beginControlFlow("if (value[i0] == null)")
                            .addStatement(
                                    "throw $T.nullElement($S, $L, i0)",
                                    CHECKS,
                                    tensor.label(),
                                    spec(tensor))
                            .endControlFlow()
                            .endControlFlow();
                }
            }
        }

        /**
         * A multi-dimensional array: checks every row against the declared or first-seen length of
         * its dimension, so that a ragged array never reaches the writer.
         */
        private void nestedShape(CodecModel.Tensor tensor, CodeBlock.Builder code) {
            int[] shape = tensor.shape();
            if (shape[0] > 0) {
                code.beginControlFlow("if (value.length != $L)", shape[0])
                        .addStatement(
                                "throw $T.wrongLength($S, $L, 0, value.length)",
                                CHECKS,
                                tensor.label(),
                                spec(tensor))
                        .endControlFlow();
            }
            for (int d = 1; d < shape.length; d++) {
                if (shape[d] < 0) {
                    code.addStatement("int d$L = -1", d);
                }
            }
            checkRows(tensor, code, 0, "value");
            code.addStatement("dims[0] = $L", shape[0] > 0 ? shape[0] : "value.length");
            for (int d = 1; d < shape.length; d++) {
                if (shape[d] > 0) {
                    code.addStatement("dims[$L] = $L", d, shape[d]);
                } else {
                    code.addStatement("dims[$L] = Math.max(d$L, 0)", d, d);
                }
            }
        }

        private void checkRows(
                CodecModel.Tensor tensor, CodeBlock.Builder code, int level, String array) {
            JavaType javaType = tensor.javaType();
            int rank = javaType.rank();
            String index = "i" + level;
            String row = "row" + level;
            int dim = level + 1;
            CodeBlock indexes = indexes(level);
            code.beginControlFlow(
                            "for (int $L = 0; $L < $L.length; $L++)", index, index, array, index)
                    .addStatement("$T $L = $L[$L]", javaType.typeName(level + 1), row, array, index)
                    .beginControlFlow("if ($L == null)", row)
                    .addStatement(
                            "throw $T.nullElement($S, $L, $L)",
                            CHECKS,
                            tensor.label(),
                            spec(tensor),
                            indexes)
                    .endControlFlow();
            if (tensor.shape()[dim] > 0) {
                code.beginControlFlow("if ($L.length != $L)", row, tensor.shape()[dim])
                        .addStatement(
                                "throw $T.wrongLength($S, $L, $L, $L.length, $L)",
                                CHECKS,
                                tensor.label(),
                                spec(tensor),
                                dim,
                                row,
                                indexes)
                        .endControlFlow();
            } else {
                code.beginControlFlow("if (d$L < 0)", dim)
                        .addStatement("d$L = $L.length", dim, row)
                        .nextControlFlow("else if ($L.length != d$L)", row, dim)
                        .addStatement(
                                "throw $T.ragged($S, $L, $L, d$L, $L.length, $L)",
                                CHECKS,
                                tensor.label(),
                                spec(tensor),
                                dim,
                                dim,
                                row,
                                indexes)
                        .endControlFlow();
            }
            if (dim < rank - 1) {
                checkRows(tensor, code, level + 1, row);
            } else if (javaType.nullableElements()) {
                String inner = "i" + dim;
                code.beginControlFlow(
                                "for (int $L = 0; $L < $L.length; $L++)", inner, inner, row, inner)
                        .beginControlFlow("if ($L[$L] == null)", row, inner)
                        .addStatement(
                                "throw $T.nullElement($S, $L, $L)",
                                CHECKS,
                                tensor.label(),
                                spec(tensor),
                                indexes(dim))
                        .endControlFlow()
                        .endControlFlow();
            }
            code.endControlFlow();
        }

        /** {@code i0, i1, ..., iN}. */
        private CodeBlock indexes(int last) {
            List<CodeBlock> indexes = new ArrayList<>();
            for (int i = 0; i <= last; i++) {
                indexes.add(CodeBlock.of("i$L", i));
            }
            return CodeBlock.join(indexes, ", ");
        }

        /** What {@code write} does for one input: a writer call, or a call of a helper. */
        private CodeBlock writeCall(CodecModel.Tensor tensor) {
            JavaType javaType = tensor.javaType();
            CodeBlock value = value(tensor, "record");
            if (javaType.rank() == 0) {
                return CodeBlock.of("out.$L($L)", writerMethod(tensor, false), value);
            }
            if (javaType.bulkRows() && javaType.rank() == 1) {
                return CodeBlock.of("out.$L($L)", writerMethod(tensor, true), value);
            }
            String name = names.newName("write" + Names.capitalize(tensor.property()));
            CodeBlock.Builder code = CodeBlock.builder();
            int loops = javaType.bulkRows() ? javaType.rank() - 1 : javaType.rank();
            CodeBlock array = value;
            for (int level = 0; level < loops; level++) {
                String variable =
                        level == loops - 1 && !javaType.bulkRows() ? "element" : "row" + level;
                code.beginControlFlow(
                        "for ($T $L : $L)", javaType.typeName(level + 1), variable, array);
                array = CodeBlock.of("$L", variable);
            }
            code.addStatement("out.$L($L)", writerMethod(tensor, javaType.bulkRows()), array);
            for (int level = 0; level < loops; level++) {
                code.endControlFlow();
            }
            helpers.add(
                    MethodSpec.methodBuilder(name)
                            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                            .addParameter(type, "record")
                            .addParameter(TENSOR_WRITER, "out")
                            .addCode(code.build())
                            .build());
            return CodeBlock.of("$N(record, out)", name);
        }

        // ---- outputs ---------------------------------------------------------------------

        private void addOutputMethods(TypeSpec.Builder codec) {
            codec.addMethod(override("outputs", SPECS).addStatement("return $N", OUTPUTS).build());
            boolean enrich = !model.inputs().isEmpty();
            if (enrich) {
                codec.addMethod(
                        override("canEnrich", TypeName.BOOLEAN)
                                .addStatement("return true")
                                .build());
            }
            MethodSpec.Builder read = override("read", type).addParameter(TENSOR_READER, "in");
            if (model.isRecord()) {
                read.addCode(newRecord(null));
                codec.addMethod(read.build());
                if (enrich) {
                    codec.addMethod(
                            override("enrich", type)
                                    .addParameter(type, "source")
                                    .addParameter(TENSOR_READER, "in")
                                    .addCode(newRecord("source"))
                                    .build());
                }
                return;
            }
            if (enrich) {
                read.addStatement("return enrich(new $T(), in)", type);
                MethodSpec.Builder enrichMethod =
                        override("enrich", type)
                                .addParameter(type, "source")
                                .addParameter(TENSOR_READER, "in");
                storeOutputs(enrichMethod, "source");
                codec.addMethod(read.build());
                codec.addMethod(enrichMethod.addStatement("return source").build());
            } else {
                read.addStatement("$T result = new $T()", type, type);
                storeOutputs(read, "result");
                codec.addMethod(read.addStatement("return result").build());
            }
        }

        private void storeOutputs(MethodSpec.Builder method, String target) {
            for (CodecModel.Tensor tensor : model.outputs()) {
                CodeBlock value = readExpression(tensor);
                if (tensor.writeVia() == CodecModel.Via.FIELD) {
                    method.addStatement("$N.$N = $L", target, tensor.writeName(), value);
                } else {
                    method.addStatement("$N.$N($L)", target, tensor.writeName(), value);
                }
            }
        }

        /**
         * {@code return new Scored(...)} through the canonical constructor: outputs from the
         * reader, other components from {@code source} or, without one, their default values.
         */
        private CodeBlock newRecord(String source) {
            List<CodeBlock> arguments = new ArrayList<>();
            for (CodecModel.Component component : model.components()) {
                if (component.output().isPresent()) {
                    arguments.add(readExpression(component.output().get()));
                } else if (source != null) {
                    arguments.add(CodeBlock.of("$N.$N()", source, component.name()));
                } else {
                    arguments.add(defaultValue(component.type()));
                }
            }
            if (arguments.size() <= 1) {
                return CodeBlock.builder()
                        .addStatement("return new $T($L)", type, CodeBlock.join(arguments, ", "))
                        .build();
            }
            return CodeBlock.builder()
                    .add("return new $T(\n", type)
                    .indent()
                    .indent()
                    .add(CodeBlock.join(arguments, ",\n"))
                    .unindent()
                    .unindent()
                    .add(");\n")
                    .build();
        }

        private CodeBlock defaultValue(TypeMirror type) {
            return switch (type.getKind()) {
                case BOOLEAN -> CodeBlock.of("false");
                case BYTE -> CodeBlock.of("(byte) 0");
                case SHORT -> CodeBlock.of("(short) 0");
                case CHAR -> CodeBlock.of("'\\0'");
                case INT -> CodeBlock.of("0");
                case LONG -> CodeBlock.of("0L");
                case FLOAT -> CodeBlock.of("0.0f");
                case DOUBLE -> CodeBlock.of("0.0");
                default -> CodeBlock.of("null");
            };
        }

        /** One record's value of an output: a reader call, or a call of a helper. */
        private CodeBlock readExpression(CodecModel.Tensor tensor) {
            JavaType javaType = tensor.javaType();
            int output = tensor.index();
            if (javaType.rank() == 0) {
                return CodeBlock.of("in.$L($L)", readerMethod(tensor, false), output);
            }
            if (javaType.bulkRows() && javaType.rank() == 1) {
                return CodeBlock.of(
                        "in.$L($L, $L)", readerMethod(tensor, true), output, flatCount(tensor));
            }
            String name = names.newName("read" + Names.capitalize(tensor.property()));
            CodeBlock.Builder code = CodeBlock.builder();
            if (javaType.list()) {
                code.addStatement("int count = $L", flatCount(tensor))
                        .addStatement(
                                "$T value = new $T<>(count)", javaType.typeName(0), ARRAY_LIST)
                        .beginControlFlow("for (int i0 = 0; i0 < count; i0++)")
                        .addStatement("value.add(in.$L($L))", readerMethod(tensor, false), output)
                        .endControlFlow();
            } else {
                if (javaType.rank() > 1 && tensor.hasVariableDimension()) {
                    code.addStatement("int[] shape = in.shape($L)", output);
                }
                code.addStatement("$T value = $L", javaType.typeName(0), newArray(tensor, 0));
                fillRows(tensor, code, 0, "value");
            }
            code.addStatement("return value");
            helpers.add(
                    MethodSpec.methodBuilder(name)
                            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                            .returns(javaType.typeName(0))
                            .addParameter(TENSOR_READER, "in")
                            .addCode(code.build())
                            .build());
            return CodeBlock.of("$N(in)", name);
        }

        private void fillRows(
                CodecModel.Tensor tensor, CodeBlock.Builder code, int level, String array) {
            JavaType javaType = tensor.javaType();
            int rank = javaType.rank();
            int output = tensor.index();
            String index = "i" + level;
            code.beginControlFlow(
                    "for (int $L = 0; $L < $L.length; $L++)", index, index, array, index);
            if (level == rank - 1) {
                code.addStatement(
                        "$L[$L] = in.$L($L)", array, index, readerMethod(tensor, false), output);
            } else if (level == rank - 2 && javaType.bulkRows()) {
                code.addStatement(
                        "$L[$L] = in.$L($L, $L)",
                        array,
                        index,
                        readerMethod(tensor, true),
                        output,
                        dim(tensor, rank - 1));
            } else {
                String row = "row" + level;
                code.addStatement(
                        "$T $L = $L",
                        javaType.typeName(level + 1),
                        row,
                        newArray(tensor, level + 1));
                fillRows(tensor, code, level + 1, row);
                code.addStatement("$L[$L] = $L", array, index, row);
            }
            code.endControlFlow();
        }

        /** {@code new float[shape[0]][]}: the array at {@code level}, its rows not yet filled. */
        private CodeBlock newArray(CodecModel.Tensor tensor, int level) {
            TypeName element = tensor.javaType().typeName(level);
            int brackets = 0;
            while (element instanceof ArrayTypeName array) {
                element = array.componentType();
                brackets++;
            }
            CodeBlock length =
                    tensor.javaType().rank() == 1 ? flatCount(tensor) : dim(tensor, level);
            return CodeBlock.of("new $T[$L]$L", element, length, "[]".repeat(brackets - 1));
        }

        /** Dimension {@code d} of one record's value: declared, or from the reader's shape. */
        private CodeBlock dim(CodecModel.Tensor tensor, int d) {
            int declared = tensor.shape()[d];
            return declared > 0 ? CodeBlock.of("$L", declared) : CodeBlock.of("shape[$L]", d);
        }

        /** The element count of a one-dimensional value: declared, or from the reader. */
        private CodeBlock flatCount(CodecModel.Tensor tensor) {
            long count = tensor.elementCount();
            return count >= 0
                    ? CodeBlock.of("$L", count)
                    : CodeBlock.of("in.elementCount($L)", tensor.index());
        }
    }

    private static String literal(long value) {
        return value > Integer.MAX_VALUE ? value + "L" : Long.toString(value);
    }

    /** {@code writeFp32s}, {@code writeInt8}, {@code writeString}, ... */
    private static String writerMethod(CodecModel.Tensor tensor, boolean bulk) {
        return "write" + suffix(tensor) + (bulk ? "s" : "");
    }

    /** {@code readFp32s}, {@code readInt8}, {@code readString}, ... */
    private static String readerMethod(CodecModel.Tensor tensor, boolean bulk) {
        return "read" + suffix(tensor) + (bulk ? "s" : "");
    }

    private static String suffix(CodecModel.Tensor tensor) {
        return switch (tensor.datatype()) {
            case BOOL -> "Bool";
            case INT8, UINT8 -> "Int8";
            case INT16, UINT16 -> "Int16";
            case INT32, UINT32 -> "Int32";
            case INT64, UINT64 -> "Int64";
            case FP16 -> "Fp16";
            case BF16 -> "Bf16";
            case FP32 -> "Fp32";
            case FP64 -> "Fp64";
            case BYTES -> tensor.javaType().leaf() == JavaType.Leaf.STRING ? "String" : "Bytes";
            case AUTO -> throw new IllegalStateException("AUTO is resolved by the validator");
        };
    }
}
