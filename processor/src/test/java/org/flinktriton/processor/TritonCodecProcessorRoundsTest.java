package org.flinktriton.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** How the processor behaves across rounds and when something outside it fails. */
class TritonCodecProcessorRoundsTest {
    private static final JavaFileObject GOOD =
            JavaFileObjects.forSourceLines(
                    "test.Good",
                    "package test;",
                    "import org.flinktriton.annotations.*;",
                    "public class Good {",
                    "    @TritonInput(name = \"G\")",
                    "    public float g;",
                    "}");

    @Test
    void typeGeneratedInALaterRoundIsJudgedOnceResolved() {
        // Pending.gen's type does not exist in round one; another processor writes it. The
        // processor waits for it instead of reporting an unresolved type, and then reports the
        // real problem: the type is no tensor type.
        JavaFileObject pending =
                JavaFileObjects.forSourceLines(
                        "test.Pending",
                        "package test;",
                        "import org.flinktriton.annotations.*;",
                        "public class Pending {",
                        "    @TritonInput(name = \"P\")",
                        "    public Gen gen;",
                        "}");
        FilerSpy spy = new FilerSpy();
        Compilation compilation =
                Compiler.javac().withProcessors(new GeneratesGen(), spy).compile(pending);
        assertThat(compilation).failed();
        assertThat(compilation)
                .hadErrorContaining("@TritonInput 'P' on Pending.gen: Gen is not a tensor type")
                .inFile(pending)
                .onLineContaining("@TritonInput(name = \"P\")");
        assertThat(compilation.errors())
                .noneMatch(e -> e.getMessage(null).contains("cannot be resolved"));
        assertThat(spy.written()).isEmpty();
    }

    @Test
    void anExceptionBecomesACompileErrorWithItsTrace() {
        FilerSpy spy = new FilerSpy(new IllegalStateException("boom"));
        Compilation compilation = Compiler.javac().withProcessors(spy).compile(GOOD);
        assertThat(compilation).failed();
        assertThat(compilation)
                .hadErrorContaining(
                        "The flink-triton processor failed on test.Good; this is a bug, please"
                                + " report it with this trace:")
                .inFile(GOOD)
                .onLineContaining("public class Good");
        assertThat(compilation).hadErrorContaining("java.lang.IllegalStateException: boom");
        assertThat(compilation).hadErrorContaining("at org.flinktriton.processor.");
    }

    @Test
    void anErrorBecomesACompileErrorToo() {
        FilerSpy spy = new FilerSpy(new StackOverflowError());
        Compilation compilation = Compiler.javac().withProcessors(spy).compile(GOOD);
        assertThat(compilation).failed();
        assertThat(compilation).hadErrorContaining("java.lang.StackOverflowError");
    }

    @Test
    void aFileThatCannotBeWrittenIsReported() {
        FilerSpy spy = new FilerSpy(new IOException("disk full"));
        Compilation compilation = Compiler.javac().withProcessors(spy).compile(GOOD);
        assertThat(compilation).failed();
        assertThat(compilation)
                .hadErrorContaining(
                        "Good: cannot write the generated codec test.GoodTritonCodec:"
                                + " java.io.IOException: disk full [flink-triton:cannot-write]")
                .inFile(GOOD)
                .onLineContaining("public class Good");
    }

    /** Writes {@code test.Gen} in its first round, as another code generator would. */
    private static final class GeneratesGen extends AbstractProcessor {
        private boolean written;

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return Set.of("*");
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            if (!written) {
                written = true;
                try (Writer out =
                        processingEnv.getFiler().createSourceFile("test.Gen").openWriter()) {
                    out.write("package test;\npublic class Gen {}\n");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return false;
        }
    }
}
