package org.flinktriton.processor;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.List;

/**
 * What the input and output methods of one codec class share: the class's model, the member names
 * already taken, and the private helpers the methods call, collected to follow all methods, so that
 * no two members of the class get one name.
 */
abstract class CodecMethods {
    final CodecModel model;
    final TypeName type;
    final NameAllocator names;
    final List<MethodSpec> helpers;

    CodecMethods(CodecModel model, NameAllocator names, List<MethodSpec> helpers) {
        this.model = model;
        this.type = model.typeName();
        this.names = names;
        this.helpers = helpers;
    }

    /** Adds the methods of one codec interface to {@code codec}, their helpers to the list. */
    abstract void addTo(TypeSpec.Builder codec);
}
