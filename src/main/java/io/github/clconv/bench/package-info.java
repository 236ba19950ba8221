/**
 * Measurements behind `clconv bench`: SGEMM against CLBlast, convolution layers against the
 * device's multiply-add peak (PeakBench), and a model's training and inference images/s.
 */
package io.github.clconv.bench;
