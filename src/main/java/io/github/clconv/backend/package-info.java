/**
 * The operations a network needs, forward and backward, as one interface (Backend) with two
 * implementations: the pure-Java ReferenceBackend, written from the definitions in double
 * precision, and the OpenCL one in opencl/. Buffers (Buf, HostBuf), activations, the Philox
 * random stream shared by both, and the argument checks (Checks) every op runs.
 */
package io.github.clconv.backend;
