package io.github.clconv.data;

import java.util.Random;

/** Orders of samples: Fisher-Yates shuffles drawn from a seeded generator, so runs repeat. */
public final class Permutation {
    private Permutation() {
    }

    public static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    public static int[] shuffled(int n, Random rnd) {
        int[] p = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
