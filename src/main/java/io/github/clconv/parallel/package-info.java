/**
 * Data-parallel training over several OpenCL devices in one process (LocalSync, DataParallel)
 * and over several processes and machines through MPI (Mpi, MpiSync). It rides on the
 * library's Trainer.GradientSync hook; nothing below this package knows of it.
 */
package io.github.clconv.parallel;
