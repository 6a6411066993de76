package org.flinktriton.processor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import org.flinktriton.annotations.TritonDataType;

/**
 * The type table's rules: what a member's Java type is made of, which datatype {@code AUTO} stands
 * for, and which datatypes a Java type can travel as. The rules only answer; {@link Validator}
 * turns a wrong answer into a message.
 */
final class TypeRules {
    private static final Map<TritonDataType, String> JAVA_TYPES =
            new EnumMap<>(TritonDataType.class);

    static {
        JAVA_TYPES.put(TritonDataType.BOOL, "boolean/boolean[]");
        JAVA_TYPES.put(TritonDataType.INT8, "byte/byte[]");
        JAVA_TYPES.put(TritonDataType.UINT8, "byte/byte[]");
        JAVA_TYPES.put(TritonDataType.INT16, "short/short[]");
        JAVA_TYPES.put(TritonDataType.UINT16, "short/short[]");
        JAVA_TYPES.put(TritonDataType.INT32, "int/int[]");
        JAVA_TYPES.put(TritonDataType.UINT32, "int/int[]");
        JAVA_TYPES.put(TritonDataType.INT64, "long/long[]");
        JAVA_TYPES.put(TritonDataType.UINT64, "long/long[]");
        JAVA_TYPES.put(TritonDataType.FP16, "float/float[]");
        JAVA_TYPES.put(TritonDataType.BF16, "float/float[]");
        JAVA_TYPES.put(TritonDataType.FP32, "float/float[]");
        JAVA_TYPES.put(TritonDataType.FP64, "double/double[]");
        JAVA_TYPES.put(TritonDataType.BYTES, "String/String[]/byte[]");
    }

    private static final Map<String, JavaType.Leaf> BOXES =
            Map.of(
                    "java.lang.Boolean", JavaType.Leaf.BOOLEAN,
                    "java.lang.Byte", JavaType.Leaf.BYTE,
                    "java.lang.Short", JavaType.Leaf.SHORT,
                    "java.lang.Integer", JavaType.Leaf.INT,
                    "java.lang.Long", JavaType.Leaf.LONG,
                    "java.lang.Float", JavaType.Leaf.FLOAT,
                    "java.lang.Double", JavaType.Leaf.DOUBLE);

    private static final String GENERAL_FIX =
            "use a primitive, String, byte[], an array of them or a List of boxed values or"
                    + " Strings (see the type table in the README)";

    private TypeRules() {}

    /** What a Java type is made of, before the datatype is considered. */
    record Structure(JavaType.Leaf leaf, int arrays, boolean list, boolean boxed) {
        /**
         * {@code byte[]}, {@code byte[][]}, ...: a tensor of bytes (INT8/UINT8), or of {@code
         * BYTES} elements one array level down.
         */
        boolean byteArray() {
            return leaf == JavaType.Leaf.BYTE && arrays >= 1 && !boxed && !list;
        }
    }

    /** A member's datatype and Java side, once both are known to fit. */
    record Resolved(TritonDataType datatype, JavaType javaType) {}

    /** Whether the type table cannot tell which datatype a type with {@code datatype} means. */
    static boolean ambiguous(Structure structure, TritonDataType datatype) {
        // byte[] is a tensor of bytes or one BYTES element; byte[][] without a datatype is a
        // tensor of BYTES elements, as the type table says.
        return structure.byteArray() && datatype == TritonDataType.AUTO && structure.arrays() == 1;
    }

    /**
     * The datatype, with {@code AUTO} inferred, and the Java side of a type that is not {@link
     * #ambiguous}; empty when {@code datatype} cannot hold the type.
     */
    static Optional<Resolved> resolve(Structure structure, TritonDataType datatype) {
        if (structure.byteArray()) {
            if (datatype == TritonDataType.AUTO || datatype == TritonDataType.BYTES) {
                return Optional.of(
                        new Resolved(
                                TritonDataType.BYTES,
                                new JavaType(
                                        JavaType.Leaf.BLOB, structure.arrays() - 1, false, false)));
            }
            if (datatype == TritonDataType.INT8 || datatype == TritonDataType.UINT8) {
                return Optional.of(
                        new Resolved(
                                datatype,
                                new JavaType(
                                        JavaType.Leaf.BYTE, structure.arrays(), false, false)));
            }
            return Optional.empty();
        }
        if (datatype == TritonDataType.AUTO) {
            datatype = structure.leaf().defaultDatatype();
        } else if (!structure.leaf().datatypes().contains(datatype)) {
            return Optional.empty();
        }
        return Optional.of(
                new Resolved(
                        datatype,
                        new JavaType(
                                structure.leaf(),
                                structure.list() ? 1 : structure.arrays(),
                                structure.list(),
                                structure.boxed())));
    }

    /** The datatypes a type can travel as, for a fix: "FP32, FP16 or BF16" for float. */
    static String allowed(Structure structure) {
        return structure.byteArray() ? "INT8, UINT8 or BYTES" : orList(structure.leaf());
    }

    /** The Java types a datatype can hold, for a fix: "float/float[]" for FP32. */
    static String javaTypes(TritonDataType datatype) {
        return JAVA_TYPES.get(datatype);
    }

    /** "FP32, FP16 or BF16" for float, in the declaration order of the datatypes. */
    private static String orList(JavaType.Leaf leaf) {
        List<String> names = new ArrayList<>();
        if (leaf.datatypes().contains(leaf.defaultDatatype())) {
            names.add(leaf.defaultDatatype().name());
        }
        for (TritonDataType datatype : TritonDataType.values()) {
            if (leaf.datatypes().contains(datatype) && datatype != leaf.defaultDatatype()) {
                names.add(datatype.name());
            }
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1))
                + " or "
                + names.get(names.size() - 1);
    }

    /** What a Java type is made of, or null (with a fix in {@code fix}) when it is no tensor. */
    static Structure structure(TypeMirror type, StringBuilder fix) {
        int arrays = 0;
        TypeMirror element = type;
        while (element instanceof ArrayType array) {
            arrays++;
            element = array.getComponentType();
        }
        JavaType.Leaf primitive = primitive(element.getKind());
        if (primitive != null) {
            return new Structure(primitive, arrays, false, false);
        }
        if (element.getKind() == TypeKind.CHAR) {
            fix.append("use a String, or short/int for the UTF-16 code");
            return null;
        }
        if (!(element instanceof DeclaredType declared)
                || !(declared.asElement() instanceof TypeElement named)) {
            fix.append(GENERAL_FIX);
            return null;
        }
        String name = named.getQualifiedName().toString();
        if (name.equals("java.lang.String")) {
            return new Structure(JavaType.Leaf.STRING, arrays, false, false);
        }
        JavaType.Leaf boxed = BOXES.get(name);
        if (boxed != null) {
            if (arrays > 0) {
                fix.append("use ")
                        .append(boxed.typeName())
                        .append("[]".repeat(arrays))
                        .append(", primitive arrays are the supported (and fast) form");
                return null;
            }
            return new Structure(boxed, 0, false, true);
        }
        if (name.equals("java.util.List") && declared.getTypeArguments().size() == 1) {
            TypeMirror argument = declared.getTypeArguments().get(0);
            if (arrays == 0
                    && argument instanceof DeclaredType elementType
                    && elementType.asElement() instanceof TypeElement elementName) {
                String qualified = elementName.getQualifiedName().toString();
                if (qualified.equals("java.lang.String")) {
                    return new Structure(JavaType.Leaf.STRING, 0, true, false);
                }
                if (BOXES.containsKey(qualified)) {
                    return new Structure(BOXES.get(qualified), 0, true, true);
                }
            }
            fix.append(
                    "a List must hold boxed primitives or Strings, such as List<Float>; use an"
                            + " array such as float[][] for more dimensions");
            return null;
        }
        fix.append(GENERAL_FIX);
        return null;
    }

    private static JavaType.Leaf primitive(TypeKind kind) {
        return switch (kind) {
            case BOOLEAN -> JavaType.Leaf.BOOLEAN;
            case BYTE -> JavaType.Leaf.BYTE;
            case SHORT -> JavaType.Leaf.SHORT;
            case INT -> JavaType.Leaf.INT;
            case LONG -> JavaType.Leaf.LONG;
            case FLOAT -> JavaType.Leaf.FLOAT;
            case DOUBLE -> JavaType.Leaf.DOUBLE;
            default -> null;
        };
    }
}
