/**
 * What every tuner shares, and nothing device-specific: the cache of choices on disk
 * (TuningCache: one file format, keyed by device, driver and kernel sources, validated on
 * load), the one way to time candidates (Timer: warm-up, turns, medians) and the check a
 * candidate must pass against a reference before its time counts (Check). The tuners
 * (opencl's GemmTuner, MovementTuner and ConvTuner) are its clients; it imports none of them.
 */
package io.github.clconv.tuning;
