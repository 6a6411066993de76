/**
 * Annotations that declare how a class maps onto a model's tensors: {@link
 * org.flinktriton.annotations.TritonInput} and {@link org.flinktriton.annotations.TritonOutput} on
 * fields and record components, {@link org.flinktriton.annotations.TritonModel} on the class, with
 * {@link org.flinktriton.annotations.TritonDataType} for datatypes. All public API.
 *
 * <p>This module has no dependencies. The annotation processor reads the annotations at compile
 * time and generates a codec per class; nothing reflects on them at run time.
 */
package org.flinktriton.annotations;
