package io.github.clconv.parallel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every MPI rank must share before the first step: the model, its parameter count and
 * starting weights, the data, the batch and the options. Ranks that differ in any of them
 * exchange gradients of other sizes (a crash in native code) or take another number of
 * steps (one rank waits forever in an allreduce), so each rank hashes what it was given,
 * and two allreduces (min and max of each hash) tell every rank at once what differs.
 */
public final class RankAgreement {
    private final Map<String, MessageDigest> parts = new LinkedHashMap<>();

    /** Thrown on every rank alike when they differ: each ends cleanly, none waits for another. */
    public static final class DisagreementException extends IllegalArgumentException {
        DisagreementException(String message) {
            super(message);
        }
    }

    /** Adds text to what is compared under name (an option, "model", "data"). */
    public RankAgreement add(String name, String value) {
        digest(name).update(value.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public RankAgreement add(String name, float[] values) {
        MessageDigest d = digest(name);
        byte[] chunk = new byte[4096];
        for (int i = 0; i < values.length; i += chunk.length / 4) {
            int n = Math.min(chunk.length / 4, values.length - i);
            for (int k = 0; k < n; k++) {
                int bits = Float.floatToRawIntBits(values[i + k]);
                chunk[4 * k] = (byte) bits;
                chunk[4 * k + 1] = (byte) (bits >>> 8);
                chunk[4 * k + 2] = (byte) (bits >>> 16);
                chunk[4 * k + 3] = (byte) (bits >>> 24);
            }
            d.update(chunk, 0, 4 * n);
        }
        return this;
    }

    private MessageDigest digest(String name) {
        return parts.computeIfAbsent(name, k -> {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Each part's digest as a double (52 bits, exact in an MPI_DOUBLE), in the order added. */
    double[] hashes() {
        double[] h = new double[parts.size()];
        int i = 0;
        for (MessageDigest d : parts.values()) {
            byte[] b = d.digest();
            long bits = 0;
            for (int k = 0; k < 7; k++) {
                bits = bits << 8 | (b[k] & 0xff);
            }
            h[i++] = bits & ((1L << 52) - 1);
        }
        return h;
    }

    /** The names whose values differ between ranks, given each part's "same on all ranks". */
    List<String> differing(boolean[] same) {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String name : parts.keySet()) {
            if (!same[i++]) {
                out.add(name);
            }
        }
        return out;
    }

    /** Compares across the job; throws DisagreementException, on every rank, naming what differs. */
    public void check(Mpi mpi) {
        List<String> differ = differing(mpi.same(hashes()));
        if (!differ.isEmpty()) {
            throw new DisagreementException("the " + mpi.size() + " MPI ranks were given different " + String.join(", ", differ)
                    + "; start every rank with the same options and data (an mpirun line with ':' gives ranks different ones)");
        }
    }
}
