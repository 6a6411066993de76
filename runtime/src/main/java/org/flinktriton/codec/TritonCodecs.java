package org.flinktriton.codec;

import java.lang.reflect.InvocationTargetException;
import org.flinktriton.TritonException;

/**
 * Finds the codec that the annotation processor generated for a class: for {@code com.acme.Review}
 * it is {@code com.acme.ReviewTritonCodec}, for a nested {@code Outer.Inner} {@code
 * Outer_InnerTritonCodec}. Each class is looked up once; the instance is shared.
 *
 * <pre>{@code
 * TritonInputCodec<AddSubRequest> in = TritonCodecs.forInput(AddSubRequest.class);
 * TritonOutputCodec<AddSubResult> out = TritonCodecs.forOutput(AddSubResult.class);
 * }</pre>
 */
public final class TritonCodecs {
    private static final ClassValue<Object> CODECS =
            new ClassValue<>() {
                @Override
                protected Object computeValue(Class<?> type) {
                    return load(type);
                }
            };

    private TritonCodecs() {}

    /**
     * The generated input codec of {@code type}.
     *
     * @throws TritonException when no codec was generated or the class has no {@code @TritonInput}
     */
    @SuppressWarnings("unchecked")
    public static <T> TritonInputCodec<T> forInput(Class<T> type) {
        Object codec = codec(type);
        if (!(codec instanceof TritonInputCodec)) {
            throw new TritonException(
                    type.getName()
                            + " has a generated codec but no @TritonInput fields; annotate the"
                            + " fields to send with @TritonInput");
        }
        return (TritonInputCodec<T>) codec;
    }

    /**
     * The generated output codec of {@code type}.
     *
     * @throws TritonException when no codec was generated or the class has no {@code @TritonOutput}
     */
    @SuppressWarnings("unchecked")
    public static <T> TritonOutputCodec<T> forOutput(Class<T> type) {
        Object codec = codec(type);
        if (!(codec instanceof TritonOutputCodec)) {
            throw new TritonException(
                    type.getName()
                            + " has a generated codec but no @TritonOutput fields; annotate the"
                            + " fields to receive with @TritonOutput");
        }
        return (TritonOutputCodec<T>) codec;
    }

    /** The name of the codec class generated for {@code type}. */
    public static String codecClassName(Class<?> type) {
        StringBuilder simpleNames = new StringBuilder(type.getSimpleName());
        for (Class<?> outer = type.getEnclosingClass();
                outer != null;
                outer = outer.getEnclosingClass()) {
            simpleNames.insert(0, outer.getSimpleName() + "_");
        }
        String pkg = type.getPackageName();
        return (pkg.isEmpty() ? "" : pkg + ".") + simpleNames + "TritonCodec";
    }

    private static Object codec(Class<?> type) {
        Object codec = CODECS.get(type);
        if (codec instanceof TritonException) {
            // A fresh exception per call, so that each caller's stack trace is its own.
            TritonException failure = (TritonException) codec;
            throw new TritonException(failure.getMessage(), failure.getCause());
        }
        return codec;
    }

    private static Object load(Class<?> type) {
        String name = codecClassName(type);
        ClassLoader loader =
                type.getClassLoader() != null
                        ? type.getClassLoader()
                        : Thread.currentThread().getContextClassLoader();
        Class<?> codecClass;
        try {
            codecClass = Class.forName(name, true, loader);
        } catch (ClassNotFoundException e) {
            return new TritonException(
                    "No generated codec "
                            + name
                            + " for "
                            + type.getName()
                            + ". Annotate its fields with @TritonInput/@TritonOutput and run the"
                            + " flink-triton annotation processor when compiling it: with Maven, add"
                            + " org.flinktriton:flink-triton-processor to the maven-compiler-plugin's"
                            + " <annotationProcessorPaths> (see the README, 'Adding flink-triton to"
                            + " a build').",
                    e);
        }
        try {
            return codecClass.getConstructor().newInstance();
        } catch (NoSuchMethodException
                | InstantiationException
                | IllegalAccessException
                | InvocationTargetException e) {
            return new TritonException(
                    "Cannot instantiate the generated codec "
                            + name
                            + "; recompile "
                            + type.getName()
                            + " with the same flink-triton version as the runtime",
                    e);
        }
    }
}
