package org.flinktriton.processor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.Completion;
import javax.annotation.processing.Filer;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.FileObject;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;

/**
 * Runs {@link TritonCodecProcessor} and records every file it asks the {@link Filer} for, so that
 * tests can show that nothing is written for a class with errors (compile-testing hides generated
 * files of a failed compilation).
 */
final class FilerSpy implements Processor {
    private final TritonCodecProcessor delegate = new TritonCodecProcessor();
    private final List<String> written = new ArrayList<>();
    private final Throwable failure;

    FilerSpy() {
        this(null);
    }

    /** A spy whose filer throws {@code failure} instead of creating a source file. */
    FilerSpy(Throwable failure) {
        this.failure = failure;
    }

    /** The names of the source files the processor created, in order. */
    List<String> written() {
        return written;
    }

    @Override
    public Set<String> getSupportedOptions() {
        return delegate.getSupportedOptions();
    }

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return delegate.getSupportedAnnotationTypes();
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return delegate.getSupportedSourceVersion();
    }

    @Override
    public void init(ProcessingEnvironment env) {
        delegate.init(new SpyEnvironment(env, new SpyFiler(env.getFiler())));
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        return delegate.process(annotations, round);
    }

    @Override
    public Iterable<? extends Completion> getCompletions(
            Element element, AnnotationMirror annotation, ExecutableElement member, String text) {
        return delegate.getCompletions(element, annotation, member, text);
    }

    private final class SpyFiler implements Filer {
        private final Filer filer;

        SpyFiler(Filer filer) {
            this.filer = filer;
        }

        @Override
        public JavaFileObject createSourceFile(CharSequence name, Element... originating)
                throws IOException {
            if (failure instanceof IOException e) {
                throw e;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            written.add(name.toString());
            return filer.createSourceFile(name, originating);
        }

        @Override
        public JavaFileObject createClassFile(CharSequence name, Element... originating)
                throws IOException {
            written.add(name.toString());
            return filer.createClassFile(name, originating);
        }

        @Override
        public FileObject createResource(
                JavaFileManager.Location location,
                CharSequence moduleAndPkg,
                CharSequence relativeName,
                Element... originating)
                throws IOException {
            written.add(relativeName.toString());
            return filer.createResource(location, moduleAndPkg, relativeName, originating);
        }

        @Override
        public FileObject getResource(
                JavaFileManager.Location location,
                CharSequence moduleAndPkg,
                CharSequence relativeName)
                throws IOException {
            return filer.getResource(location, moduleAndPkg, relativeName);
        }
    }

    private record SpyEnvironment(ProcessingEnvironment env, Filer filer)
            implements ProcessingEnvironment {
        @Override
        public Map<String, String> getOptions() {
            return env.getOptions();
        }

        @Override
        public Messager getMessager() {
            return env.getMessager();
        }

        @Override
        public Filer getFiler() {
            return filer;
        }

        @Override
        public Elements getElementUtils() {
            return env.getElementUtils();
        }

        @Override
        public Types getTypeUtils() {
            return env.getTypeUtils();
        }

        @Override
        public SourceVersion getSourceVersion() {
            return env.getSourceVersion();
        }

        @Override
        public Locale getLocale() {
            return env.getLocale();
        }

        @Override
        public boolean isPreviewEnabled() {
            return env.isPreviewEnabled();
        }
    }
}
