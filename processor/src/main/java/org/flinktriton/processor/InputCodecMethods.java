package org.flinktriton.processor;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * Writes a codec's {@code TritonInputCodec} methods. {@code shape} checks every value of a record
 * (nulls, lengths, ragged rows) so that {@code write} can copy it without checks, a primitive array
 * or each row of one with a single writer call.
 */
final class InputCodecMethods extends CodecMethods {
    private static final ClassName OPTIONAL = ClassName.get(Optional.class);
    private static final TypeName STRING = ClassName.get(String.class);

    InputCodecMethods(CodecModel model, NameAllocator names, List<MethodSpec> helpers) {
        super(model, names, helpers);
    }

    @Override
    void addTo(TypeSpec.Builder codec) {
        if (model.modelName().isPresent()) {
            TypeName optionalString = ParameterizedTypeName.get(OPTIONAL, STRING);
            codec.addMethod(
                    CodecApi.override("modelName", optionalString)
                            .addStatement("return $T.of($S)", OPTIONAL, model.modelName().get())
                            .build());
            codec.addMethod(
                    CodecApi.override("modelVersion", optionalString)
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
                CodecApi.override("shape", TypeName.VOID)
                        .addParameter(type, "record")
                        .addParameter(TypeName.INT, "input")
                        .addParameter(ArrayTypeName.of(TypeName.INT), "dims")
                        .beginControlFlow("switch (input)");
        MethodSpec.Builder write =
                CodecApi.override("write", TypeName.VOID)
                        .addParameter(type, "record")
                        .addParameter(TypeName.INT, "input")
                        .addParameter(CodecApi.TENSOR_WRITER, "out")
                        .beginControlFlow("switch (input)");
        for (CodecModel.Tensor tensor : model.inputs()) {
            shape.addStatement("case $L -> $L", tensor.index(), shapeCall(tensor));
            write.addStatement("case $L -> $L", tensor.index(), writeCall(tensor));
        }
        codec.addMethod(
                shape.addStatement(
                                "default -> throw $T.noSuchTensor($N, input)",
                                CodecApi.CHECKS,
                                CodecApi.INPUTS)
                        .endControlFlow()
                        .build());
        codec.addMethod(
                write.addStatement(
                                "default -> throw $T.noSuchTensor($N, input)",
                                CodecApi.CHECKS,
                                CodecApi.INPUTS)
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
        return CodeBlock.of("$N.get($L)", CodecApi.INPUTS, tensor.index());
    }

    /** What {@code shape} does for one input: a statement, or a call of a helper. */
    private CodeBlock shapeCall(CodecModel.Tensor tensor) {
        JavaType javaType = tensor.javaType();
        if (javaType.rank() == 0 && !javaType.nullableElements() && tensor.shape().length == 1) {
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
                                CodecApi.CHECKS,
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
                        "throw $T.nullValue($S, $L)", CodecApi.CHECKS, tensor.label(), spec(tensor))
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
                                CodecApi.CHECKS,
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
                                CodecApi.CHECKS,
                                tensor.label(),
                                spec(tensor),
                                length)
                        .endControlFlow();
            } else if (block != 1) {
                code.beginControlFlow("if ($L % $L != 0)", length, literal(block))
                        .addStatement(
                                "throw $T.notMultiple($S, $L, $L)",
                                CodecApi.CHECKS,
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
                        .beginControlFlow("for ($T element : value)", javaType.elementTypeName())
                        .beginControlFlow("if (element == null)")
                        .addStatement(
                                "throw $T.nullElement($S, $L, i0)",
                                CodecApi.CHECKS,
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
                                CodecApi.CHECKS,
                                tensor.label(),
                                spec(tensor))
                        .endControlFlow()
                        .endControlFlow();
            }
        }
    }

    /**
     * A multi-dimensional array: checks every row against the declared or first-seen length of its
     * dimension, so that a ragged array never reaches the writer.
     */
    private void nestedShape(CodecModel.Tensor tensor, CodeBlock.Builder code) {
        int[] shape = tensor.shape();
        if (shape[0] > 0) {
            code.beginControlFlow("if (value.length != $L)", shape[0])
                    .addStatement(
                            "throw $T.wrongLength($S, $L, 0, value.length)",
                            CodecApi.CHECKS,
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
        code.beginControlFlow("for (int $L = 0; $L < $L.length; $L++)", index, index, array, index)
                .addStatement("$T $L = $L[$L]", javaType.typeName(level + 1), row, array, index)
                .beginControlFlow("if ($L == null)", row)
                .addStatement(
                        "throw $T.nullElement($S, $L, $L)",
                        CodecApi.CHECKS,
                        tensor.label(),
                        spec(tensor),
                        indexes)
                .endControlFlow();
        if (tensor.shape()[dim] > 0) {
            code.beginControlFlow("if ($L.length != $L)", row, tensor.shape()[dim])
                    .addStatement(
                            "throw $T.wrongLength($S, $L, $L, $L.length, $L)",
                            CodecApi.CHECKS,
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
                            CodecApi.CHECKS,
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
                            CodecApi.CHECKS,
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
            return CodeBlock.of("out.$L($L)", CodecApi.writerMethod(tensor, false), value);
        }
        if (javaType.bulkRows() && javaType.rank() == 1) {
            return CodeBlock.of("out.$L($L)", CodecApi.writerMethod(tensor, true), value);
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
        code.addStatement("out.$L($L)", CodecApi.writerMethod(tensor, javaType.bulkRows()), array);
        for (int level = 0; level < loops; level++) {
            code.endControlFlow();
        }
        helpers.add(
                MethodSpec.methodBuilder(name)
                        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                        .addParameter(type, "record")
                        .addParameter(CodecApi.TENSOR_WRITER, "out")
                        .addCode(code.build())
                        .build());
        return CodeBlock.of("$N(record, out)", name);
    }

    private static String literal(long value) {
        return value > Integer.MAX_VALUE ? value + "L" : Long.toString(value);
    }
}
