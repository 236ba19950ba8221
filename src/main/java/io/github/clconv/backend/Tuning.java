package io.github.clconv.backend;

/**
 * Hears what a backend measures before it can choose (a convolution algorithm per layer
 * shape, the first time a device meets that shape), so that a first run shows progress
 * instead of a minute of silence.
 */
public interface Tuning {
    /** Measuring the index-th of total choices now (index from 1); what names it (a layer shape). */
    void measuring(int index, int total, String what);

    /** Measured what: chose choice. */
    default void chosen(String what, String choice) {
    }

    Tuning NONE = (index, total, what) -> {
    };
}
