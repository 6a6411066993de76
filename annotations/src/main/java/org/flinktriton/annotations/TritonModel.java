package org.flinktriton.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the model that an input class is meant for, so that clients and Flink functions built for
 * the class need no explicit {@code model(...)}.
 *
 * <pre>{@code
 * @TritonModel(name = "add_sub", version = "1")
 * public class AddSubRequest { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TritonModel {
    /** The model's name in the server's repository; must not be blank. */
    String name();

    /** The model version; empty (the default) lets the server choose by its version policy. */
    String version() default "";
}
