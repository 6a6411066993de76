package org.flinktriton.processor;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
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
    /** The boxed element types by qualified name: {@code java.lang.Float} is a boxed float. */
    private static final Map<String, JavaType.Leaf> BOXES = new HashMap<>();

    static {
        for (JavaType.Leaf leaf : JavaType.Leaf.values()) {
            if (leaf.isPrimitive()) {
                BOXES.put(leaf.typeName().box().toString(), leaf);
            }
        }
    }

    private static final String STRING = JavaType.Leaf.STRING.typeName().toString();

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
        JavaType.Leaf leaf = structure.leaf();
        int rank = structure.list() ? 1 : structure.arrays();
        if (structure.byteArray()
                && (datatype == TritonDataType.AUTO
                        || JavaType.Leaf.BLOB.datatypes().contains(datatype))) {
            leaf = JavaType.Leaf.BLOB;
            rank--;
        }
        if (datatype == TritonDataType.AUTO) {
            datatype = leaf.defaultDatatype();
        } else if (!leaf.datatypes().contains(datatype)) {
            return Optional.empty();
        }
        return Optional.of(
                new Resolved(
                        datatype, new JavaType(leaf, rank, structure.list(), structure.boxed())));
    }

    /** The datatypes a type can travel as, for a fix: "FP32, FP16 or BF16" for float. */
    static String allowed(Structure structure) {
        List<String> names = datatypeNames(structure.leaf());
        if (structure.byteArray()) {
            names.addAll(datatypeNames(JavaType.Leaf.BLOB));
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1))
                + " or "
                + names.get(names.size() - 1);
    }

    /** The default datatype first, then the others in their declaration order. */
    private static List<String> datatypeNames(JavaType.Leaf leaf) {
        List<String> names = new ArrayList<>();
        names.add(leaf.defaultDatatype().name());
        for (TritonDataType datatype : TritonDataType.values()) {
            if (leaf.datatypes().contains(datatype) && datatype != leaf.defaultDatatype()) {
                names.add(datatype.name());
            }
        }
        return names;
    }

    /** The Java types a datatype can hold, for a fix: "float/float[]" for FP32. */
    static String javaTypes(TritonDataType datatype) {
        StringJoiner types = new StringJoiner("/");
        for (JavaType.Leaf leaf : JavaType.Leaf.values()) {
            if (leaf.datatypes().contains(datatype)) {
                String name =
                        leaf.typeName() instanceof ClassName named
                                ? named.simpleName()
                                : leaf.typeName().toString();
                types.add(name);
                // byte[] is its own array form: byte[][] needs no mention.
                if (!(leaf.typeName() instanceof ArrayTypeName)) {
                    types.add(name + "[]");
                }
            }
        }
        return types.toString();
    }

    /** What a Java type is made of, or null (with a fix in {@code fix}) when it is no tensor. */
    static Structure structure(TypeMirror type, StringBuilder fix) {
        int arrays = 0;
        TypeMirror element = type;
        while (element instanceof ArrayType array) {
            arrays++;
            element = array.getComponentType();
        }
        JavaType.Leaf primitive = primitive(element);
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
        if (name.equals(STRING)) {
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
                if (qualified.equals(STRING)) {
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

    private static JavaType.Leaf primitive(TypeMirror type) {
        if (type.getKind().isPrimitive()) {
            TypeName name = TypeName.get(type);
            for (JavaType.Leaf leaf : JavaType.Leaf.values()) {
                if (leaf.typeName().equals(name)) {
                    return leaf;
                }
            }
        }
        return null;
    }
}
