/**
 * An asynchronous HTTP client for one model on a Triton (KServe v2) server, batching typed records
 * through their generated codecs.
 *
 * <p>Public API: {@link org.flinktriton.client.TritonModelClient}, its builder, and the types its
 * methods return; {@link org.flinktriton.client.TritonClientOptions}, every setting that can travel
 * in a job graph, and {@link org.flinktriton.client.TritonClientConfigOptions}, the same settings
 * as Flink {@code ConfigOption}s. The engine behind it (request planning, OkHttp transport, failure
 * mapping, schema checks) is package-private; this is the only package that uses OkHttp ({@code
 * ArchitectureTest}).
 *
 * <p>Depends on wire, codec and the exceptions, never on flink.
 */
package org.flinktriton.client;
