package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;

/**
 * This module is compiled against the oldest Flink of its line and tested on {@code flink.version}:
 * the tests must really run on that Flink, or a lane of CI would test the wrong one.
 */
class FlinkOnTheClassPathTest {

    @Test
    void theTestsRunOnTheFlinkVersionTheBuildAskedFor() {
        String expected = System.getProperty("flinktriton.expectedFlinkVersion");

        assertThat(expected).as("set by the module's surefire configuration").isNotBlank();
        assertThat(EnvironmentInformation.getVersion()).isEqualTo(expected);
        assertThat(ResultFuture.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .as("Flink's streaming API comes from the same version")
                .contains("/" + expected + "/");
    }
}
