/**
 * The `clconv` command line (picocli): train, eval, predict, devices, verify, bench, tune and
 * doctor, with the progress display, metrics file and plot. Only parsing and presentation live
 * here; what they run is in the library packages.
 */
package io.github.clconv.cli;
