package org.flinktriton.table;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Flink job in a JVM of its own, as this module's {@code *IT} tests run one: the class path is
 * Flink's (what a distribution's {@code lib/} holds, listed by the failsafe configuration in
 * table/pom.xml), then the given jars, then the module's test classes.
 */
final class FlinkJvm {
    private FlinkJvm() {}

    /**
     * Runs {@code mainClass} with {@code args} and returns what it printed, after checking that it
     * ended within 3 minutes with exit code 0; {@code what} names the run in failure messages.
     */
    static String run(
            String what, List<String> jars, Path output, Class<?> mainClass, String... args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.add("-cp");
        command.add(classPath(jars));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Process job =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
        boolean ended = job.waitFor(3, TimeUnit.MINUTES);
        if (!ended) {
            job.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String text = Files.readString(output, UTF_8);
        assertThat(ended).as("%s: the job's JVM ended within 3 minutes:%n%s", what, text).isTrue();
        assertThat(job.exitValue()).as("%s: the job's exit code:%n%s", what, text).isZero();
        return text;
    }

    private static String classPath(List<String> jars) throws Exception {
        List<String> classPath =
                new ArrayList<>(
                        List.of(
                                Files.readString(Path.of(property("flinktriton.flinkClasspath")))
                                        .trim()
                                        .split(File.pathSeparator)));
        classPath.addAll(jars);
        classPath.add(property("flinktriton.testClasses"));
        return String.join(File.pathSeparator, classPath);
    }

    /** A system property the failsafe configuration sets; fails the test when it is missing. */
    static String property(String name) {
        String value = System.getProperty(name);
        assertThat(value)
                .as("system property %s (set by the failsafe configuration in table/pom.xml)", name)
                .isNotNull();
        return value;
    }
}
