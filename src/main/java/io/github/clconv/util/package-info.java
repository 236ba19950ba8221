/**
 * What every layer above uses: atomic file writes (AtomicFiles), input checks (InputFiles) and
 * the ordered shutdown on a signal (Shutdown).
 */
package io.github.clconv.util;
