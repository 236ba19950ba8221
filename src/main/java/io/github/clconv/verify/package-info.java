/**
 * The agreement catalogue behind `clconv verify` and the tests: every op on a device against the
 * reference, with per-op tolerances.
 */
package io.github.clconv.verify;
