package org.flinktriton.processor;

import com.google.auto.service.AutoService;
import com.palantir.javapoet.JavaFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;

/**
 * Generates a reflection-free tensor codec, {@code <Class>TritonCodec}, for every class whose
 * fields, record components or getters carry {@link TritonInput} or {@link TritonOutput}, and
 * rejects specs that cannot work as compile errors.
 *
 * <p>Add it to the compiler's processor path; with Maven:
 *
 * <pre>{@code
 * <annotationProcessorPaths>
 *   <path>
 *     <groupId>org.flinktriton</groupId>
 *     <artifactId>flink-triton-processor</artifactId>
 *     <version>${flink-triton.version}</version>
 *   </path>
 * </annotationProcessorPaths>
 * }</pre>
 *
 * <p>Each class goes through three stages: {@link ModelReader} reads the annotated elements into a
 * model, {@link Validator} checks it and collects every problem, and {@link CodecGenerator} writes
 * the codec only from a model without problems, once {@link CodecModelBuilder} has built the
 * codec's model from it. A class whose member types are not resolved yet (because another processor
 * generates them) waits for a later round; it is reported only if the types are still missing in
 * the last round.
 */
@AutoService(Processor.class)
public final class TritonCodecProcessor extends AbstractProcessor {
    /** Classes waiting for types to be generated, by qualified name. */
    private final Set<String> deferred = new LinkedHashSet<>();

    /** Classes already handled, by qualified name: a codec is written once. */
    private final Set<String> done = new LinkedHashSet<>();

    private Messager messager;
    private ModelReader reader;
    private Validator validator;
    private CodecModelBuilder builder;
    private CodecGenerator generator;

    /** For the service loader. */
    public TritonCodecProcessor() {}

    @Override
    public synchronized void init(ProcessingEnvironment env) {
        super.init(env);
        messager = env.getMessager();
        reader = new ModelReader(env);
        validator = new Validator();
        builder = new CodecModelBuilder(env.getElementUtils());
        generator =
                new CodecGenerator(
                        env.getElementUtils()
                                        .getTypeElement("javax.annotation.processing.Generated")
                                != null);
    }

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of(
                TritonInput.class.getCanonicalName(),
                TritonOutput.class.getCanonicalName(),
                TritonModel.class.getCanonicalName());
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        try {
            processRound(round);
        } catch (Throwable t) {
            // javac must never see an exception from a processor: report it as a compile error.
            messager.printMessage(
                    Diagnostic.Kind.ERROR,
                    Message.INTERNAL_ERROR.format("this compilation", stackTrace(t)));
        }
        return false;
    }

    private void processRound(RoundEnvironment round) {
        Map<String, TypeElement> types = new LinkedHashMap<>();
        for (String name : deferred) {
            TypeElement type = processingEnv.getElementUtils().getTypeElement(name);
            if (type != null) {
                types.put(name, type);
            }
        }
        deferred.clear();
        for (String annotation : getSupportedAnnotationTypes()) {
            TypeElement annotationType = processingEnv.getElementUtils().getTypeElement(annotation);
            if (annotationType == null) {
                continue;
            }
            for (Element element : round.getElementsAnnotatedWith(annotationType)) {
                TypeElement owner = owner(element);
                if (owner != null) {
                    types.putIfAbsent(key(owner), owner);
                }
            }
        }
        for (Map.Entry<String, TypeElement> entry : types.entrySet()) {
            if (done.contains(entry.getKey())) {
                continue;
            }
            try {
                processType(entry.getKey(), entry.getValue(), round.processingOver());
            } catch (Throwable t) {
                done.add(entry.getKey());
                messager.printMessage(
                        Diagnostic.Kind.ERROR,
                        Message.INTERNAL_ERROR.format(entry.getKey(), stackTrace(t)),
                        entry.getValue());
            }
        }
    }

    private void processType(String key, TypeElement type, boolean lastRound) {
        ClassModel model = reader.read(type);
        boolean unresolved =
                model.members().stream().anyMatch(member -> ModelReader.unresolved(member.type()));
        if (unresolved && !lastRound && !type.getQualifiedName().isEmpty()) {
            deferred.add(key);
            return;
        }
        done.add(key);
        Report report = new Report();
        Optional<List<Validator.Checked>> checked = validator.validate(model, report);
        report.printTo(messager);
        if (checked.isEmpty()) {
            return;
        }
        CodecModel codec = builder.build(model, checked.get());
        JavaFile file = generator.generate(codec);
        try {
            file.writeTo(processingEnv.getFiler());
        } catch (IOException e) {
            messager.printMessage(
                    Diagnostic.Kind.ERROR,
                    Message.CANNOT_WRITE.format(
                            model.label(), codec.codecName().canonicalName(), e),
                    type);
        }
    }

    /** The class that a field, method or record component belongs to, or the class itself. */
    private static TypeElement owner(Element element) {
        for (Element current = element; current != null; current = current.getEnclosingElement()) {
            if (current instanceof TypeElement type) {
                return type;
            }
        }
        return null;
    }

    /** The qualified name; local and anonymous classes, which have none, get a unique key. */
    private static String key(TypeElement type) {
        String name = type.getQualifiedName().toString();
        return name.isEmpty() ? "local:" + System.identityHashCode(type) : name;
    }

    private static String stackTrace(Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }
}
