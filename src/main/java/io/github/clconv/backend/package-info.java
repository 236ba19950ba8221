/**
 * The operations a network needs, forward and backward: Backend, whose final methods check
 * each op's arguments (Checks) once for every implementation and call its doOp; the pure-Java
 * ReferenceBackend, written from the definitions in double precision; the OpenCL one is in
 * opencl/. Also buffers (Buf, HostBuf), activations, tolerances and the Philox random stream
 * shared by both.
 */
package io.github.clconv.backend;
