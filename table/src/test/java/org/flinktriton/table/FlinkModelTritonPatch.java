package org.flinktriton.table;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Writes a copy of Apache Flink's {@code flink-model-triton-2.3.0.jar} with the two bugs fixed that
 * stop its {@code 'provider' = 'triton'} from running any {@code ML_PREDICT}, so that {@link
 * SqlJarBesideFlinkTritonIT} can run a query through it. Both are fixed on Flink's master; the
 * patch changes nothing else, and in particular not the OkHttp, Okio and Kotlin classes the jar
 * bundles, which are what the test is about.
 *
 * <ol>
 *   <li>{@code AbstractTritonModelFunction.validateSingleColumnSchema} checks {@code expected !=
 *       null && !expected.equals(actual)} where it means {@code expected == null ||
 *       expected.equals(actual)}, so planning fails with "input column input should be null, but is
 *       a STRING." The method computes the condition as {@code cond ? 1 : 0}; the patch swaps the
 *       two constants.
 *   <li>{@code TritonInferenceModelFunction} keeps a {@code ByteArrayOutputStream
 *       compressionBuffer} in a field that is not transient, so the function cannot be serialized
 *       into the job graph. The patch makes the field transient. The copy then fails {@code
 *       'compression' = 'gzip'} (the buffer is null after deserialization): the test does not set
 *       it.
 * </ol>
 *
 * <p>Each step checks the bytecode it expects and fails naming it when the jar is another build.
 * Public for benchmarks' {@code MlPredictVersusFlinkTriton}, which runs the same copy.
 */
public final class FlinkModelTritonPatch {
    private static final String PACKAGE = "org/apache/flink/model/triton/";
    private static final String SCHEMA_CHECK = PACKAGE + "AbstractTritonModelFunction.class";
    private static final String FUNCTION = PACKAGE + "TritonInferenceModelFunction.class";
    private static final String TYPE_MESSAGE = "%s column %s should be %s, but is a %s.";

    private FlinkModelTritonPatch() {}

    /** Writes the patched copy of {@code original} to {@code target}. */
    public static void write(Path original, Path target) throws IOException {
        int patched = 0;
        try (JarFile jar = new JarFile(original.toFile());
                OutputStream file = Files.newOutputStream(target);
                JarOutputStream out = new JarOutputStream(file)) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                byte[] bytes;
                try (InputStream in = jar.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                if (entry.getName().equals(SCHEMA_CHECK)) {
                    bytes = flipTypeCheck(bytes);
                    patched++;
                } else if (entry.getName().equals(FUNCTION)) {
                    bytes = transientCompressionBuffer(bytes);
                    patched++;
                }
                JarEntry copy = new JarEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        if (patched != 2) {
            throw new IllegalStateException(
                    original + " lacks " + SCHEMA_CHECK + " or " + FUNCTION + ": not 2.3.0");
        }
    }

    private static byte[] flipTypeCheck(byte[] bytes) {
        ClassNode type = read(bytes);
        for (MethodNode method : type.methods) {
            if (!method.name.equals("validateSingleColumnSchema")) {
                continue;
            }
            for (AbstractInsnNode insn : method.instructions) {
                if (insn instanceof LdcInsnNode && TYPE_MESSAGE.equals(((LdcInsnNode) insn).cst)) {
                    // Before the message: ICONST_1, GOTO end, else: ICONST_0, end: LDC message.
                    AbstractInsnNode zero = previous(insn);
                    AbstractInsnNode jump = previous(zero);
                    AbstractInsnNode one = previous(jump);
                    if (zero.getOpcode() != Opcodes.ICONST_0
                            || jump.getOpcode() != Opcodes.GOTO
                            || one.getOpcode() != Opcodes.ICONST_1) {
                        break;
                    }
                    method.instructions.set(zero, new InsnNode(Opcodes.ICONST_1));
                    method.instructions.set(one, new InsnNode(Opcodes.ICONST_0));
                    return write(type);
                }
            }
        }
        throw new IllegalStateException(
                SCHEMA_CHECK + " is not the 2.3.0 build whose type check this patch flips");
    }

    private static byte[] transientCompressionBuffer(byte[] bytes) {
        ClassNode type = read(bytes);
        for (FieldNode field : type.fields) {
            if (field.name.equals("compressionBuffer") && !Modifier.isTransient(field.access)) {
                field.access |= Opcodes.ACC_TRANSIENT;
                return write(type);
            }
        }
        throw new IllegalStateException(
                FUNCTION + " has no field compressionBuffer that is not transient: not 2.3.0");
    }

    /** The instruction before {@code insn}, skipping labels, frames and line numbers. */
    private static AbstractInsnNode previous(AbstractInsnNode insn) {
        AbstractInsnNode before = insn.getPrevious();
        while (before != null && before.getOpcode() < 0) {
            before = before.getPrevious();
        }
        if (before == null) {
            throw new IllegalStateException("Unexpected bytecode in " + SCHEMA_CHECK);
        }
        return before;
    }

    private static ClassNode read(byte[] bytes) {
        ClassNode type = new ClassNode();
        new ClassReader(bytes).accept(type, 0);
        return type;
    }

    private static byte[] write(ClassNode type) {
        // Neither patch changes the stack or the locals: the frames stay as they are.
        ClassWriter writer = new ClassWriter(0);
        type.accept(writer);
        return writer.toByteArray();
    }
}
