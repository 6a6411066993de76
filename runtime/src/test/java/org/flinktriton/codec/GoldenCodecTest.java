package org.flinktriton.codec;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.flinktriton.processor.TritonCodecProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden generated sources: the processor's output for a few classes, compared character by
 * character, so that a change to the generated code shows up in review. After an intended change,
 * regenerate them with {@code mvn test -pl runtime -Dtest=GoldenCodecTest -Dgolden.update=true}.
 */
class GoldenCodecTest {
    private static final String ROOT = "golden/com/acme/";
    private static Compilation compilation;

    @BeforeAll
    static void compileGoldenSources() {
        compilation =
                javac().compile(source("AddSubRequest"), source("AddSubResult"), source("Review"));
    }

    /** javac with the processor and every lint warning the project enables. */
    static Compiler javac() {
        return Compiler.javac()
                .withProcessors(new TritonCodecProcessor())
                .withOptions("-Xlint:all,-processing", "--release", "17");
    }

    @Test
    void goldenSourcesCompileWithoutWarnings() {
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation.generatedSourceFiles()).hasSize(4);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "AddSubRequestTritonCodec",
                "AddSubResultTritonCodec",
                "ReviewTritonCodec",
                "Review_SummaryTritonCodec"
            })
    void generatedSourceIsTheGoldenOne(String codec) throws IOException {
        String generated =
                compilation
                        .generatedSourceFile("com.acme." + codec)
                        .orElseThrow()
                        .getCharContent(false)
                        .toString();
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(
                    Path.of("src/test/resources", ROOT, codec + ".java"), generated, UTF_8);
            return;
        }
        assertThat(generated).isEqualTo(resource(ROOT + codec + ".java"));
    }

    private static JavaFileObject source(String name) {
        return JavaFileObjects.forSourceString("com.acme." + name, resource(ROOT + name + ".java"));
    }

    static String resource(String path) {
        try (InputStream in = GoldenCodecTest.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Missing test resource " + path);
            }
            return new String(in.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
