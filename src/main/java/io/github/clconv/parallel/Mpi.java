package io.github.clconv.parallel;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * Open MPI's C API through JNA: init, rank and size of MPI_COMM_WORLD, allreduce of floats
 * and doubles, abort and finalize. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM)
 * are the addresses of its global objects, looked up by name; MPICH's integer handles are
 * not supported. The job is started by mpirun, which also ends it when a rank dies.
 */
public final class Mpi {
    interface Lib extends Library {
        int MPI_Init(Pointer argc, Pointer argv);

        int MPI_Initialized(IntByReference flag);

        int MPI_Comm_rank(Pointer comm, IntByReference rank);

        int MPI_Comm_size(Pointer comm, IntByReference size);

        int MPI_Allreduce(Pointer send, Pointer recv, int count, Pointer type, Pointer op, Pointer comm);

        int MPI_Abort(Pointer comm, int code);

        int MPI_Finalize();
    }

    private static Mpi instance;
    private final Lib lib;
    private final Pointer world, floatType, doubleType, sum, min, max;
    private final int rank, size;

    private Mpi() {
        NativeLibrary nl;
        try {
            nl = NativeLibrary.getInstance("mpi");
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("MPI is not usable: libmpi.so was not found (" + e.getMessage().lines().findFirst().orElse("")
                    + "); install Open MPI with `sudo apt-get install openmpi-bin libopenmpi-dev`");
        }
        lib = Native.load("mpi", Lib.class);
        try {
            world = nl.getGlobalVariableAddress("ompi_mpi_comm_world");
            floatType = nl.getGlobalVariableAddress("ompi_mpi_float");
            doubleType = nl.getGlobalVariableAddress("ompi_mpi_double");
            sum = nl.getGlobalVariableAddress("ompi_mpi_op_sum");
            min = nl.getGlobalVariableAddress("ompi_mpi_op_min");
            max = nl.getGlobalVariableAddress("ompi_mpi_op_max");
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("MPI is not usable: libmpi.so is not Open MPI's (clconv binds Open MPI's handles)");
        }
        check(lib.MPI_Init(null, null), "MPI_Init");
        IntByReference r = new IntByReference(), s = new IntByReference();
        check(lib.MPI_Comm_rank(world, r), "MPI_Comm_rank");
        check(lib.MPI_Comm_size(world, s), "MPI_Comm_size");
        rank = r.getValue();
        size = s.getValue();
        // after the devices: a rank still in a collective when the JVM stops must not be finalised under it
        io.github.clconv.util.Shutdown.onExit(io.github.clconv.util.Shutdown.Stage.MPI, lib::MPI_Finalize);
    }

    /** Initialises MPI once per process. */
    public static synchronized Mpi get() {
        if (instance == null) {
            instance = new Mpi();
        }
        return instance;
    }

    /** Whether this process was started by Open MPI's mpirun with more than one rank. */
    public static boolean launched() {
        String n = System.getenv("OMPI_COMM_WORLD_SIZE");
        return n != null && !n.equals("1");
    }

    /** Whether libmpi can be loaded here (for doctor), without initialising it. */
    public static String probe() {
        try {
            NativeLibrary nl = NativeLibrary.getInstance("mpi");
            nl.getGlobalVariableAddress("ompi_mpi_comm_world");
            return null;
        } catch (UnsatisfiedLinkError e) {
            return e.getMessage().lines().findFirst().orElse("libmpi.so not found");
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** v = the element-wise sum of every rank's v, in place. */
    public void sum(float[] v) {
        Memory m = new Memory(4L * Math.max(1, v.length));
        m.write(0, v, 0, v.length);
        check(lib.MPI_Allreduce(Pointer.createConstant(1), m, v.length, floatType, sum, world), "MPI_Allreduce"); // MPI_IN_PLACE is (void*) 1
        m.read(0, v, 0, v.length);
    }

    public void sum(double[] v) {
        reduce(v, sum);
    }

    /** For each element, whether every rank holds the same value (two allreduces, of the minimum and the maximum). */
    public boolean[] same(double[] v) {
        double[] lo = v.clone(), hi = v.clone();
        reduce(lo, min);
        reduce(hi, max);
        boolean[] same = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            same[i] = lo[i] == hi[i];
        }
        return same;
    }

    private void reduce(double[] v, Pointer op) {
        Memory m = new Memory(8L * Math.max(1, v.length));
        m.write(0, v, 0, v.length);
        check(lib.MPI_Allreduce(Pointer.createConstant(1), m, v.length, doubleType, op, world), "MPI_Allreduce");
        m.read(0, v, 0, v.length);
    }

    /** Ends every rank of the job (a rank that fails must not leave the others waiting in an allreduce). */
    public void abort(int code) {
        lib.MPI_Abort(world, code);
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed with MPI error " + rc);
        }
    }
}
