package org.flinktriton.processor;

import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;

/** Whether a member is sent to the model or received from it. */
enum Direction {
    INPUT(TritonInput.class.getCanonicalName(), "@TritonInput", "input"),
    OUTPUT(TritonOutput.class.getCanonicalName(), "@TritonOutput", "output");

    private final String annotationName;
    private final String display;
    private final String noun;

    Direction(String annotationName, String display, String noun) {
        this.annotationName = annotationName;
        this.display = display;
        this.noun = noun;
    }

    /** The annotation's canonical name. */
    String annotationName() {
        return annotationName;
    }

    /** The annotation as users write it, for messages. */
    String display() {
        return display;
    }

    /** "input" or "output". */
    String noun() {
        return noun;
    }
}
