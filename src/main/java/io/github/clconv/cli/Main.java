package io.github.clconv.cli;

import io.github.clconv.opencl.ClException;
import io.github.clconv.util.Shutdown;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The `clconv` command. Results go to stdout as one JSON line per command; progress,
 * tables and errors go to stderr. A user error (bad option, bad file, no OpenCL) is one
 * line on stderr and exit status 2; a failed check is exit status 1.
 */
@Command(name = "clconv", mixinStandardHelpOptions = true, version = "clconv 0.1.0",
        description = "Convolutional networks in Java on OpenCL devices, checked against a pure-Java reference.",
        footer = {"", "From a checkout, `bin/clconv test` runs the whole test suite (mvn verify, then every kernel under oclgrind)."},
        subcommands = {TrainCommand.class, SearchCommand.class, EvalCommand.class, PredictCommand.class, ExportCommand.class, DevicesCommand.class, VerifyCommand.class, BenchCommand.class, TuneCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) throws InterruptedException {
        int status = run(args);
        if (Shutdown.stopping()) {
            // a signal began the JVM's exit, which ends with status 128 + its number once the hook is done; an exit here
            // could still halt first with the command's status (SignalTest saw a SIGINT end in 2 on a loaded machine)
            Thread.sleep(Long.MAX_VALUE);
        }
        System.exit(status);
    }

    public static int run(String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("clconv: " + message(e));
            if (System.getenv("CLCONV_DEBUG") != null) {
                e.printStackTrace(line.getErr());
            }
            return 2;
        });
        cmd.setParameterExceptionHandler((e, arguments) -> {
            // one line that names the problem and where help is, not the whole usage text
            CommandLine c = e.getCommandLine();
            String hint = e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()
                    ? "; did you mean " + String.join(" or ", u.getSuggestions()) + "?" : "";
            c.getErr().println("clconv: " + e.getMessage() + hint + " (see `" + c.getCommandSpec().qualifiedName() + " --help`)");
            return 2;
        });
        // the shutdown hook waits for the command to unwind before it releases devices and files
        AutoCloseable work = Shutdown.work();
        try {
            return cmd.execute(args);
        } finally {
            try {
                work.close();
            } catch (Exception impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    static String message(Throwable e) {
        if (e instanceof java.io.UncheckedIOException && e.getCause() != null) {
            return message(e.getCause()); // the library's wrapper around a file's problem: the problem is the message
        }
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return f.getFile() + ": no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException f) {
            return f.getFile() + ": permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getMessage() != null && !f.getMessage().contains(": ")) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "cannot be read or written");
        }
        if (e instanceof ClException || e instanceof IllegalArgumentException || e instanceof Shutdown.StoppedException || e instanceof java.io.IOException
                || e instanceof IllegalStateException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage() + " (set CLCONV_DEBUG=1 for the stack trace)";
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
