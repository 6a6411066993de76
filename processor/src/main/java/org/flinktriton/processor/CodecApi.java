package org.flinktriton.processor;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * The runtime's codec API as generated code names it: its types, the methods of {@code
 * TensorWriter} and {@code TensorReader} for each datatype, and the codec's own spec fields, so
 * that the parts of a codec agree on every name.
 */
final class CodecApi {
    private static final String CODEC_PACKAGE = "org.flinktriton.codec";
    static final ClassName TENSOR_SPEC = ClassName.get(CODEC_PACKAGE, "TensorSpec");
    static final ClassName TENSOR_WRITER = ClassName.get(CODEC_PACKAGE, "TensorWriter");
    static final ClassName TENSOR_READER = ClassName.get(CODEC_PACKAGE, "TensorReader");
    static final ClassName INPUT_CODEC = ClassName.get(CODEC_PACKAGE, "TritonInputCodec");
    static final ClassName OUTPUT_CODEC = ClassName.get(CODEC_PACKAGE, "TritonOutputCodec");
    static final ClassName CHECKS = ClassName.get(CODEC_PACKAGE, "CodecChecks");
    static final TypeName SPECS = ParameterizedTypeName.get(ClassName.get(List.class), TENSOR_SPEC);

    /** The codec's fields holding its input and output specs. */
    static final String INPUTS = "INPUTS";

    static final String OUTPUTS = "OUTPUTS";

    private CodecApi() {}

    /** A public method that implements one of the codec interfaces. */
    static MethodSpec.Builder override(String name, TypeName returns) {
        return MethodSpec.methodBuilder(name)
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(returns);
    }

    /** {@code writeFp32s}, {@code writeInt8}, {@code writeString}, ... */
    static String writerMethod(CodecModel.Tensor tensor, boolean bulk) {
        return "write" + suffix(tensor) + (bulk ? "s" : "");
    }

    /** {@code readFp32s}, {@code readInt8}, {@code readString}, ... */
    static String readerMethod(CodecModel.Tensor tensor, boolean bulk) {
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
