package org.flinktriton.processor;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/**
 * The problems found in one class, collected so that all of them are reported together and the
 * class is generated only when there are none.
 */
final class Report {
    private record Entry(
            Message message,
            String text,
            Element element,
            AnnotationMirror mirror,
            AnnotationValue value) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Records a problem on the narrowest place known: a value, else a mirror, else an element. */
    void add(
            Message message,
            Element element,
            AnnotationMirror mirror,
            AnnotationValue value,
            Object... args) {
        entries.add(new Entry(message, message.format(args), element, mirror, value));
    }

    void add(Message message, Element element, Object... args) {
        add(message, element, null, null, args);
    }

    boolean isClean() {
        return entries.isEmpty();
    }

    void printTo(Messager messager) {
        for (Entry entry : entries) {
            if (entry.value() != null) {
                messager.printMessage(
                        entry.message().kind(),
                        entry.text(),
                        entry.element(),
                        entry.mirror(),
                        entry.value());
            } else if (entry.mirror() != null) {
                messager.printMessage(
                        entry.message().kind(), entry.text(), entry.element(), entry.mirror());
            } else {
                messager.printMessage(entry.message().kind(), entry.text(), entry.element());
            }
        }
    }
}
