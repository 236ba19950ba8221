package io.github.clconv.cli;


import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * One status line redrawn in place on stderr, fitted to the terminal's width: a line one
 * column too wide wraps, and then every redraw adds a row. Anything else written to stderr
 * meanwhile (a log line, a warning) first clears the status line, so the two never share a
 * row; the next update draws it again below.
 */
final class Terminal implements AutoCloseable {
    /** The width, asked of stty at most every two seconds (a resize shows within two). */
    private static volatile int cachedWidth;
    private static volatile long widthAsked;

    private final PrintStream out, installed;
    private int drawn; // columns of the status line now on the screen

    /** Installs itself in front of System.err so that other writers clear the status line first. */
    Terminal() {
        PrintStream real = System.err;
        this.out = real;
        Terminal self = this;
        installed = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                self.clearForOthers();
                real.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                self.clearForOthers();
                real.write(b, off, len);
            }

            @Override
            public void flush() {
                real.flush();
            }
        }, true);
        System.setErr(installed);
    }

    /** Clears the status line and gives stderr back. */
    @Override
    public void close() {
        clear();
        if (System.err == installed) {
            System.setErr(out);
        }
    }

    /**
     * Columns of the terminal on stderr: `stty size` on it (what /proc/self/fd/2 names), else
     * $COLUMNS, else 80. Not through JNA's libc: with JNA loaded, two PoCL devices in one
     * process failed to build programs (PoCL's kernel cache lost its temporary files).
     */
    static int width() {
        long now = System.nanoTime();
        if (cachedWidth > 0 && now - widthAsked < 2_000_000_000L) {
            return cachedWidth;
        }
        widthAsked = now;
        cachedWidth = ask();
        return cachedWidth;
    }

    private static int ask() {
        try {
            java.nio.file.Path tty = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2"));
            if (tty.toString().startsWith("/dev/")) {
                Process p = new ProcessBuilder("stty", "size").redirectInput(tty.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
                if (p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0) {
                    String[] rc = out.split("\\s+");
                    int cols = Integer.parseInt(rc[rc.length - 1]);
                    if (cols >= 20) {
                        return cols;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no terminal, no stty: the fallbacks below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            int c = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
            if (c >= 20) {
                return c;
            }
        } catch (NumberFormatException ignored) {
            // unset or not a number
        }
        return 80;
    }

    /** Draws line in place of the last one, erasing exactly what is left of it. */
    synchronized void draw(String line) {
        int max = width() - 1; // the last column would wrap on some terminals
        if (line.length() > max) {
            line = line.substring(0, max);
        }
        out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
        if (drawn > line.length()) {
            out.print("\r" + line);
        }
        out.flush();
        drawn = line.length();
    }

    /** Erases the status line and leaves the cursor at its start. */
    synchronized void clear() {
        if (drawn > 0) {
            out.print("\r" + " ".repeat(drawn) + "\r");
            out.flush();
            drawn = 0;
        }
    }

    private void clearForOthers() {
        if (drawn > 0 && !Thread.holdsLock(this)) {
            clear();
        }
    }

    /**
     * The fields that fit in width columns, kept in their order on the line: essential ones
     * always, the others by their rank (0 first) while they fit. Fields are joined by two spaces.
     */
    static String fit(int width, List<Field> fields) {
        boolean[] keep = new boolean[fields.size()];
        int used = -2;
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).rank() < 0) {
                keep[i] = true;
                used += fields.get(i).text().length() + 2;
            }
        }
        Integer[] order = new Integer[fields.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> fields.get(i).rank()));
        for (int i : order) {
            if (!keep[i] && used + 2 + fields.get(i).text().length() <= width) {
                keep[i] = true;
                used += 2 + fields.get(i).text().length();
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (keep[i]) {
                sb.append(sb.length() == 0 ? "" : "  ").append(fields.get(i).text());
            }
        }
        return sb.toString();
    }

    /** A piece of a status line; rank &lt; 0: always shown, else the lower the rank, the sooner it is dropped last. */
    record Field(String text, int rank) {
        static Field always(String text) {
            return new Field(text, -1);
        }
    }
}
