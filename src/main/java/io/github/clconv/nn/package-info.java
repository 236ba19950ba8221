/**
 * Models: layers (Conv2d, BatchNorm, Pool2d, Linear, ...), chains (Sequential) and graphs with
 * residual and concatenation nodes (Graph, saved as GraphStructure), the spec grammar and
 * presets (ModelSpec, ResNet), initialisation, packed parameters and batch-norm folding.
 */
package io.github.clconv.nn;
