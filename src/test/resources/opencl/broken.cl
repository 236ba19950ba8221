/* A deliberately broken kernel: ClContextTest checks that its build log reaches the user. */
kernel void broken(global float* x) {
    x[0] = undeclared_name + ;
}
