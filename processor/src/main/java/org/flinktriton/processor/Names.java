package org.flinktriton.processor;

import com.palantir.javapoet.ClassName;
import java.util.StringJoiner;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;

/**
 * How the processor spells names: of classes and bean properties the way Java conventions have
 * them, of the generated codec, and of types and shapes the way a user writes them in source, so
 * that every message and every generated name uses one spelling.
 */
final class Names {
    private Names() {}

    /** "Review" for a top-level class, "Outer.Review" for a nested one. */
    static String label(TypeElement type) {
        StringBuilder label = new StringBuilder(type.getSimpleName());
        if (label.length() == 0) {
            return "an anonymous class";
        }
        for (Element outer = type.getEnclosingElement();
                outer instanceof TypeElement enclosing;
                outer = outer.getEnclosingElement()) {
            label.insert(0, enclosing.getSimpleName() + ".");
        }
        return label.toString();
    }

    /** {@code com.acme.Outer.Review} → {@code com.acme.Outer_ReviewTritonCodec}. */
    static ClassName codecName(ClassName type) {
        return ClassName.get(
                type.packageName(), String.join("_", type.simpleNames()) + "TritonCodec");
    }

    /** The bean property of a getter name: {@code text} for getText or isText; "" otherwise. */
    static String property(String methodName) {
        for (String prefix : new String[] {"get", "is"}) {
            if (methodName.length() > prefix.length()
                    && methodName.startsWith(prefix)
                    && Character.isUpperCase(methodName.charAt(prefix.length()))) {
                String rest = methodName.substring(prefix.length());
                // JavaBeans: getURL is property URL, getUrl is url.
                if (rest.length() > 1 && Character.isUpperCase(rest.charAt(1))) {
                    return rest;
                }
                return Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
            }
        }
        return "";
    }

    static String capitalize(String property) {
        return property.isEmpty()
                ? property
                : Character.toUpperCase(property.charAt(0)) + property.substring(1);
    }

    /** A type as a user writes it: {@code String}, {@code float[][]}, {@code List<Float>}. */
    static String display(TypeMirror type) {
        if (type instanceof ArrayType array) {
            return display(array.getComponentType()) + "[]";
        }
        if (type instanceof DeclaredType declared
                && declared.asElement() instanceof TypeElement named) {
            String name = named.getSimpleName().toString();
            if (declared.getTypeArguments().isEmpty()) {
                return name;
            }
            StringJoiner arguments = new StringJoiner(", ", name + "<", ">");
            for (TypeMirror argument : declared.getTypeArguments()) {
                arguments.add(display(argument));
            }
            return arguments.toString();
        }
        return type.toString();
    }

    /** "a float[]", "an int[]": a displayed type inside a sentence. */
    static String withArticle(String noun) {
        return ("aeiouAEIOU".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }

    /** {@code {-1, 4}}, as the shape is written in the annotation. */
    static String format(int[] shape) {
        StringJoiner joined = new StringJoiner(", ", "{", "}");
        for (int dim : shape) {
            joined.add(Integer.toString(dim));
        }
        return joined.toString();
    }
}
