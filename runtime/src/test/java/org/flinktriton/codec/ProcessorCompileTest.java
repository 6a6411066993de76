package org.flinktriton.codec;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import org.flinktriton.processor.TritonCodecProcessor;
import org.junit.jupiter.api.Test;

/**
 * Compiles good classes with the processor, where the runtime SPI is on the class path, so that the
 * generated code itself must compile: without a single warning under {@code -Xlint:all}.
 */
class ProcessorCompileTest {

    @Test
    void testFixturesCompileWithoutWarnings() {
        List<JavaFileObject> sources = new ArrayList<>();
        for (String name :
                List.of(
                        "ScalarsPojo",
                        "ArraysBean",
                        "ArraysResult",
                        "MatrixRecord",
                        "MatrixResult",
                        "ScoredReview",
                        "Fixtures")) {
            sources.add(fixture(name));
        }
        Compilation compilation = GoldenCodecTest.javac().compile(sources);
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation.generatedSourceFiles()).hasSize(10);
        assertThat(compilation)
                .generatedSourceFile("org.flinktriton.codec.Fixtures_BoxedTritonCodec");
    }

    @Test
    void deprecatedClassesAndMembersNeedNoWarning() {
        JavaFileObject source =
                JavaFileObjects.forSourceLines(
                        "com.acme.Legacy",
                        "package com.acme;",
                        "import org.flinktriton.annotations.*;",
                        "@Deprecated",
                        "public class Legacy {",
                        "    @Deprecated(forRemoval = true)",
                        "    @TritonInput(name = \"OLD\")",
                        "    public float old;",
                        "    @TritonOutput(name = \"NEW\")",
                        "    private float fresh;",
                        "    @Deprecated",
                        "    public void setFresh(float fresh) { this.fresh = fresh; }",
                        "}");
        Compilation compilation = GoldenCodecTest.javac().compile(source);
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation)
                .generatedSourceFile("com.acme.LegacyTritonCodec")
                .contentsAsUtf8String()
                .contains("@SuppressWarnings({\"deprecation\", \"removal\"})");
    }

    @Test
    void plainClassesNeedNoSuppressedWarnings() {
        JavaFileObject source =
                JavaFileObjects.forSourceLines(
                        "com.acme.Plain",
                        "package com.acme;",
                        "import org.flinktriton.annotations.*;",
                        "public record Plain(@TritonInput(name = \"X\") float x) {}");
        Compilation compilation = GoldenCodecTest.javac().compile(source);
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation)
                .generatedSourceFile("com.acme.PlainTritonCodec")
                .contentsAsUtf8String()
                .doesNotContain("@SuppressWarnings");
    }

    @Test
    void classGeneratedByAnotherProcessorGetsACodecInALaterRound() {
        JavaFileObject seed =
                JavaFileObjects.forSourceLines(
                        "com.acme.Seed", "package com.acme;", "public class Seed {}");
        Compilation compilation =
                GoldenCodecTest.javac()
                        .withProcessors(new GeneratesAnAnnotatedClass(), new TritonCodecProcessor())
                        .compile(seed);
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation)
                .generatedSourceFile("com.acme.LaterTritonCodec")
                .contentsAsUtf8String()
                .contains("TensorSpec.of(\"LATER\", TritonDataType.FP32, 2)");
    }

    private static JavaFileObject fixture(String name) {
        Path path = Path.of("src/test/java/org/flinktriton/codec", name + ".java");
        try {
            return JavaFileObjects.forSourceString(
                    "org.flinktriton.codec." + name, Files.readString(path, UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** In its first round, writes an annotated class, as code generators like AutoValue do. */
    private static final class GeneratesAnAnnotatedClass extends AbstractProcessor {
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
            if (written) {
                return false;
            }
            written = true;
            try (Writer out =
                    processingEnv.getFiler().createSourceFile("com.acme.Later").openWriter()) {
                out.write(
                        "package com.acme;\n"
                                + "public class Later {\n"
                                + "    @org.flinktriton.annotations.TritonInput(name = \"LATER\","
                                + " shape = {2})\n"
                                + "    public float[] later;\n"
                                + "}\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return false;
        }
    }
}
