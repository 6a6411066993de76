/**
 * The service provider interface that generated codecs implement, and how to find them.
 *
 * <ul>
 *   <li>Public API for users: {@link org.flinktriton.codec.TritonCodecs}, {@link
 *       org.flinktriton.codec.TritonInputCodec}, {@link org.flinktriton.codec.TritonOutputCodec}
 *       and {@link org.flinktriton.codec.TensorSpec}.
 *   <li>Public for generated code only: {@link org.flinktriton.codec.TensorWriter}, {@link
 *       org.flinktriton.codec.TensorReader} and {@link org.flinktriton.codec.CodecChecks}. The
 *       annotation processor writes calls to them into users' packages, so they must stay public
 *       and their signatures stable within a release; user code does not call them.
 * </ul>
 *
 * <p>Generated code lands in users' jars, so this package depends only on the JDK, the annotations
 * and the exceptions ({@code ArchitectureTest} pins this).
 */
package org.flinktriton.codec;
