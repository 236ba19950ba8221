/**
 * Shapes and geometries: Shape, ConvGeom and PoolGeom, with the output sizes and bounds every
 * backend computes alike.
 */
package io.github.clconv.tensor;
