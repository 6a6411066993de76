/**
 * An embedded KServe v2 / Triton-compatible server with models written in Java, for testing clients
 * and Flink jobs without a GPU. Start with {@link org.flinktriton.testkit.TritonTestServer}; its
 * class documentation explains how to test a job.
 */
package org.flinktriton.testkit;
