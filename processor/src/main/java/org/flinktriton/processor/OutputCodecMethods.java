package org.flinktriton.processor;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;
import javax.lang.model.type.TypeMirror;

/**
 * Writes a codec's {@code TritonOutputCodec} methods: {@code read} builds a record from the output
 * tensors and {@code enrich} stores them into the record that was sent, or, for a Java record,
 * builds a new one from it.
 */
final class OutputCodecMethods extends CodecMethods {
    private static final ClassName ARRAY_LIST = ClassName.get(ArrayList.class);

    OutputCodecMethods(CodecModel model, NameAllocator names, List<MethodSpec> helpers) {
        super(model, names, helpers);
    }

    @Override
    void addTo(TypeSpec.Builder codec) {
        boolean enrich = !model.inputs().isEmpty();
        if (enrich) {
            codec.addMethod(
                    CodecApi.override("canEnrich", TypeName.BOOLEAN)
                            .addStatement("return true")
                            .build());
        }
        MethodSpec.Builder read =
                CodecApi.override("read", type).addParameter(CodecApi.TENSOR_READER, "in");
        if (model.isRecord()) {
            read.addCode(newRecord(null));
            codec.addMethod(read.build());
            if (enrich) {
                codec.addMethod(
                        CodecApi.override("enrich", type)
                                .addParameter(type, "source")
                                .addParameter(CodecApi.TENSOR_READER, "in")
                                .addCode(newRecord("source"))
                                .build());
            }
            return;
        }
        if (enrich) {
            read.addStatement("return enrich(new $T(), in)", type);
            MethodSpec.Builder enrichMethod =
                    CodecApi.override("enrich", type)
                            .addParameter(type, "source")
                            .addParameter(CodecApi.TENSOR_READER, "in");
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
     * {@code return new Scored(...)} through the canonical constructor: outputs from the reader,
     * other components from {@code source} or, without one, their default values.
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
            return CodeBlock.of("in.$L($L)", CodecApi.readerMethod(tensor, false), output);
        }
        if (javaType.bulkRows() && javaType.rank() == 1) {
            return CodeBlock.of(
                    "in.$L($L, $L)",
                    CodecApi.readerMethod(tensor, true),
                    output,
                    flatCount(tensor));
        }
        String name = names.newName("read" + Names.capitalize(tensor.property()));
        CodeBlock.Builder code = CodeBlock.builder();
        if (javaType.list()) {
            code.addStatement("int count = $L", flatCount(tensor))
                    .addStatement("$T value = new $T<>(count)", javaType.typeName(0), ARRAY_LIST)
                    .beginControlFlow("for (int i0 = 0; i0 < count; i0++)")
                    .addStatement(
                            "value.add(in.$L($L))", CodecApi.readerMethod(tensor, false), output)
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
                        .addParameter(CodecApi.TENSOR_READER, "in")
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
        code.beginControlFlow("for (int $L = 0; $L < $L.length; $L++)", index, index, array, index);
        if (level == rank - 1) {
            code.addStatement(
                    "$L[$L] = in.$L($L)",
                    array,
                    index,
                    CodecApi.readerMethod(tensor, false),
                    output);
        } else if (level == rank - 2 && javaType.bulkRows()) {
            code.addStatement(
                    "$L[$L] = in.$L($L, $L)",
                    array,
                    index,
                    CodecApi.readerMethod(tensor, true),
                    output,
                    dim(tensor, rank - 1));
        } else {
            String row = "row" + level;
            code.addStatement(
                    "$T $L = $L", javaType.typeName(level + 1), row, newArray(tensor, level + 1));
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
        CodeBlock length = tensor.javaType().rank() == 1 ? flatCount(tensor) : dim(tensor, level);
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
