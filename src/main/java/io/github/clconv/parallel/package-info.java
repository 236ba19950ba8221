/**
 * Data-parallel training: ParallelFit, the library's entry, over several OpenCL devices in one
 * process (LocalSync, DataParallel) or several processes and machines through MPI (Mpi,
 * MpiSync, RankAgreement). It rides on the library's Trainer.GradientSync hook; nothing below
 * this package knows of it.
 */
package io.github.clconv.parallel;
