package org.flinktriton.samples.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SampleOptionsTest {

    private static SampleOptions.Builder defaults() {
        return SampleOptions.defaults("m")
                .option("--topic", "NAME", "where events are", "events")
                .option("--servers", "HOST:PORT", "a cluster (default: a local one)", null)
                .intOption("--interval-ms", "N", "how often", 1_000);
    }

    private static SampleOptions parse(String... args) {
        return defaults().parse("Job", args, System.out).orElseThrow();
    }

    @Test
    void aSamplesOwnOptionsTakeTheirDefaultsAndTheCommandLine() {
        SampleOptions options = parse("--interval-ms", "250", "--records", "0", "--verbose");
        assertThat(options.option("--topic")).contains("events");
        assertThat(options.option("--servers")).isEmpty();
        assertThat(options.intOption("--interval-ms")).isEqualTo(250);
        assertThat(options.records()).isZero();
        assertThat(options.recordsPerSecond()).isZero();
        assertThat(options.verbose()).isTrue();

        SampleOptions copied = options.withEndpoint("http://triton:8000");
        assertThat(copied.option("--topic")).contains("events");
        assertThat(copied.intOption("--interval-ms")).isEqualTo(250);
        assertThat(copied.endpoint()).contains("http://triton:8000");
        assertThatThrownBy(() -> options.option("--colour"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No option --colour was declared");
    }

    @Test
    void grpcIsForTheEmbeddedServerAndAGivenEndpointChoosesByItsScheme() {
        assertThat(parse().grpc()).isFalse();
        assertThat(parse("--grpc").grpc()).isTrue();
        assertThat(parse("--grpc").toBuilder().build().grpc()).isTrue();
        assertThat(parse("--endpoint", "grpc://triton:8001").endpoint())
                .contains("grpc://triton:8001");
        assertThatThrownBy(() -> parse("--grpc", "--endpoint", "http://triton:8000"))
                .isInstanceOf(SampleOptions.UsageException.class)
                .hasMessage(
                        "--grpc is for the embedded server; with --endpoint, give its gRPC URL"
                                + " (grpc://host:8001) instead");
    }

    @Test
    void aWrongCommandLineIsOneLineAndTheUsage() {
        assertThatThrownBy(() -> parse("--interval-ms", "-1"))
                .isInstanceOf(SampleOptions.UsageException.class)
                .hasMessage("--interval-ms must be at least 0, not -1");
        assertThatThrownBy(() -> parse("--records-per-second", "fast"))
                .hasMessage("--records-per-second takes a whole number, not 'fast'");
        assertThatThrownBy(() -> parse("--topic")).hasMessage("--topic needs a value");
        assertThatThrownBy(() -> parse("--records", "-5"))
                .hasMessage("--records must be at least 0, not -5");
        assertThatThrownBy(() -> parse("events"))
                .isInstanceOfSatisfying(
                        SampleOptions.UsageException.class,
                        e -> {
                            assertThat(e.getMessage()).isEqualTo("Unknown option events");
                            assertThat(e.usage())
                                    .startsWith("Usage: Job [options]\n")
                                    .containsPattern(
                                            "\n  --topic NAME +where events are \\(default events\\)\n")
                                    .containsPattern(
                                            "\n  --servers HOST:PORT +a cluster \\(default: a local"
                                                    + " one\\)\n")
                                    .containsPattern(
                                            "\n  --interval-ms N +how often \\(default 1000\\)\n");
                        });
    }

    @Test
    void helpPrintsTheUsageWithTheDefaults() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        assertThat(
                        defaults()
                                .parse(
                                        "Job",
                                        new String[] {"--records", "7", "--help"},
                                        new PrintStream(printed, true, StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .containsPattern("\n  --records N +records to generate \\(default 7\\)\n")
                .contains("  --verbose ");
    }
}
