package org.flinktriton.client;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records what one class logs at WARN and above, through the Log4j that SLF4J is bound to in tests;
 * {@link #close()} puts the logger back as it was.
 */
public final class LogCapture implements AutoCloseable {
    private final String name;
    private final Level previous;
    private final AbstractAppender appender;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    public LogCapture(Class<?> owner) {
        name = owner.getName();
        Logger logger = (Logger) LogManager.getLogger(name);
        previous = logger.getLevel();
        appender =
                new AbstractAppender(
                        "capture-" + owner.getSimpleName(),
                        null,
                        null,
                        true,
                        Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        lines.add(
                                event.getLevel() + " " + event.getMessage().getFormattedMessage());
                    }
                };
        appender.start();
        Configurator.setLevel(name, Level.WARN);
        ((Logger) LogManager.getLogger(name)).addAppender(appender);
    }

    /** {@code LEVEL message}, one per event, in order. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        ((Logger) LogManager.getLogger(name)).removeAppender(appender);
        Configurator.setLevel(name, previous);
        appender.stop();
    }
}
