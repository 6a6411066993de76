package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.table.api.TableEnvironment;
import org.junit.jupiter.api.Test;

/**
 * This module is compiled against the oldest Flink with the model-provider API (2.1) and tested on
 * {@code flink.version}: the tests must really run on that Flink, or a lane of CI would test the
 * wrong one.
 */
class FlinkOnTheClassPathTest {

    @Test
    void theTestsRunOnTheFlinkVersionTheBuildAskedFor() {
        String expected = System.getProperty("flinktriton.expectedFlinkVersion");

        assertThat(expected).as("set by the module's surefire configuration").isNotBlank();
        assertThat(EnvironmentInformation.getVersion()).isEqualTo(expected);
        assertThat(
                        TableEnvironment.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .getPath())
                .as("the table API comes from the same version")
                .contains("/" + expected + "/");
    }
}
