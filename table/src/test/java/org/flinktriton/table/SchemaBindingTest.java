package org.flinktriton.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaBindingTest {

    @Test
    void aColumnTriesItsExactNameThenItsNameUpperCased() {
        assertThat(SchemaBinding.candidates("input", Map.of())).containsExactly("input", "INPUT");
        assertThat(SchemaBinding.candidates("image_data", Map.of()))
                .containsExactly("image_data", "IMAGE_DATA");
        assertThat(SchemaBinding.candidates("INPUT0", Map.of())).containsExactly("INPUT0");
    }

    @Test
    void aMappedColumnTriesOnlyTheTensorItIsMappedTo() {
        assertThat(SchemaBinding.candidates("text", Map.of("text", "TOKENS")))
                .containsExactly("TOKENS");
        assertThat(SchemaBinding.candidates("other", Map.of("text", "TOKENS")))
                .containsExactly("other", "OTHER");
    }
}
