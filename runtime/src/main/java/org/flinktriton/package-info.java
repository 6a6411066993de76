/**
 * The failures flink-triton reports: {@link org.flinktriton.TritonException} and one subclass per
 * kind of failure (connection, server, timeout, protocol, schema, record). Public API: jobs catch
 * these types and ask {@link org.flinktriton.TritonException#retryable()} whether a second try may
 * pass.
 *
 * <p>This package is the bottom of the runtime: it uses nothing but the JDK, and codec, wire,
 * client and the Flink operator all throw its types ({@code ArchitectureTest} pins this).
 */
package org.flinktriton;
