package dev.tandem.testkit.server;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real Redis (or Valkey) server on a free loopback port, run from the installed {@code
 * redis-server} binary (Debian: {@code apt-get install redis-server}; CI installs it): one
 * {@linkplain #shared() shared} server per JVM, or {@linkplain #start() private} ones for tests
 * that stop, pause or restart their server.
 *
 * <p>The server keeps nothing on disk ({@code --save ""}, no append-only file): a restart comes
 * back empty, unless it is a {@linkplain #restartFrom restart from a snapshot} taken earlier with
 * {@link #snapshot()}. Fault tests can also {@linkplain #kill() kill} the server (SIGKILL) and
 * {@linkplain #pause() pause} it (SIGSTOP). The binary is {@code -Dtandem.redis.server=PATH} if
 * set, else {@code redis-server} or {@code valkey-server} from the {@code PATH}.
 */
public final class RedisServer implements AutoCloseable {

  private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);
  private static final String DUMP = "dump.rdb";
  private static @Nullable RedisServer shared;

  private final Path binary;
  private final Path directory;
  private final boolean isShared;
  private final boolean clusterNode;
  private int port;
  private int busPort;
  private @Nullable Process process;
  private boolean paused;
  private int snapshots;
  private boolean closed;

  /** Stops the server if the JVM exits before {@link #close()} (a benchmark whose setup threw). */
  private final Thread exitHook = new Thread(this::stopAndDelete, "tandem-redis-stop");

  private RedisServer(boolean isShared) {
    this(isShared, false);
  }

  private RedisServer(boolean isShared, boolean clusterNode) {
    this.binary = findBinary();
    this.isShared = isShared;
    this.clusterNode = clusterNode;
    try {
      this.directory = Files.createTempDirectory("tandem-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a directory for Redis", e);
    }
    RuntimeException failure = null;
    for (int attempt = 0;
        attempt < 3;
        attempt++) { // a free port may be taken before the server binds it
      try {
        this.port = freePort();
        this.busPort = clusterNode ? freePort() : 0;
        this.process = launch(port);
        Runtime.getRuntime().addShutdownHook(exitHook);
        return;
      } catch (IllegalStateException e) {
        failure = e;
      }
    }
    deleteRecursively(directory);
    throw failure;
  }

  /**
   * Returns the JVM's shared server, starting it on first use; it is stopped when the JVM exits and
   * {@link #close()} on it does nothing.
   *
   * @throws IllegalStateException if no binary is installed or the server cannot start
   */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      shared = new RedisServer(true);
    }
    return shared;
  }

  /**
   * Starts a private server on a free port; the caller closes it (if nobody does, it is stopped
   * when the JVM exits normally).
   *
   * @throws IllegalStateException if no binary is installed or the server cannot start
   */
  public static RedisServer start() {
    return new RedisServer(false);
  }

  /**
   * Starts a private server with cluster mode on, not yet part of a cluster: see {@link
   * RedisCluster}.
   */
  static RedisServer startClusterNode() {
    return new RedisServer(false, true);
  }

  /** Returns the cluster bus port of a cluster node (0 for a standalone server). */
  synchronized int busPort() {
    return busPort;
  }

  /** Returns whether the server process is running (paused counts as running). */
  public synchronized boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /** Returns the loopback port the server listens on (kept across {@link #restart()}). */
  public synchronized int port() {
    return port;
  }

  /** Returns the server's URI, {@code redis://127.0.0.1:<port>}. */
  public synchronized String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Returns the process id of the running server, for fault tests that signal it.
   *
   * @throws IllegalStateException if the server is not running
   */
  public synchronized long pid() {
    Process running = process;
    if (running == null || !running.isAlive()) {
      throw new IllegalStateException("the server is not running");
    }
    return running.pid();
  }

  /**
   * Stops the server (SIGTERM, then SIGKILL after 10 seconds); connections are refused until {@link
   * #restart()}. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server, which other tests use
   */
  public synchronized void stop() {
    if (isShared) {
      throw new IllegalStateException("the shared server cannot be stopped: start a private one");
    }
    halt();
  }

  /**
   * Stops the server if it runs and starts it again, empty, on the same port.
   *
   * @throws IllegalStateException if the server was closed or cannot start
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    if (isShared) {
      throw new IllegalStateException("the shared server cannot be restarted: start a private one");
    }
    halt();
    process = launch(port);
  }

  /**
   * Kills the server with SIGKILL, as a crash would: nothing is saved, open connections break, new
   * ones are refused until {@link #restart()}. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server
   */
  public synchronized void kill() {
    ownServer("killed");
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    if (paused) {
      signal(running, "CONT");
      paused = false;
    }
    running.destroyForcibly(); // SIGKILL
    try {
      running.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Pauses the server with SIGSTOP: connections stay open, commands queue up unanswered (and run
   * after {@link #resume()}); a client sees timeouts. Does nothing if paused or stopped already.
   *
   * @throws IllegalStateException if this is the shared server
   */
  public synchronized void pause() {
    ownServer("paused");
    Process running = process;
    if (running != null && !paused) {
      signal(running, "STOP");
      paused = true;
    }
  }

  /** Resumes a {@linkplain #pause() paused} server (SIGCONT); does nothing if it is not paused. */
  public synchronized void resume() {
    Process running = process;
    if (running != null && paused) {
      signal(running, "CONT");
    }
    paused = false;
  }

  /**
   * Saves the data set now (the blocking {@code SAVE} command) and returns the snapshot file, for a
   * later {@link #restartFrom}. Each call makes a new file in the server's directory.
   *
   * @throws IllegalStateException if the server is not running or the save fails
   */
  public synchronized Path snapshot() {
    ownServer("snapshotted");
    if (process == null || paused) {
      throw new IllegalStateException("the server is not running" + (paused ? " (paused)" : ""));
    }
    String reply = command(port, "SAVE");
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException("SAVE failed on port " + port + ": " + reply.strip());
    }
    Path saved = directory.resolve(DUMP);
    Path snapshot = directory.resolve("snapshot-" + (++snapshots) + ".rdb");
    try {
      Files.move(saved, snapshot, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("could not keep the snapshot " + saved, e);
    }
    return snapshot;
  }

  /**
   * Kills the server (SIGKILL) and starts it again on the same port with the data of {@code
   * snapshot}, as a server restored from an old backup or failed over to a lagging replica would
   * come back (race H9). A later {@link #restart()} comes back empty again.
   *
   * @throws IllegalStateException if the server was closed or cannot start
   * @throws UncheckedIOException if the snapshot cannot be copied
   */
  public synchronized void restartFrom(Path snapshot) {
    requireNonNull(snapshot, "snapshot");
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    kill();
    Path dump = directory.resolve(DUMP);
    try {
      Files.copy(snapshot, dump, StandardCopyOption.REPLACE_EXISTING);
      process = launch(port); // loads the dump before it answers PING
    } catch (IOException e) {
      throw new UncheckedIOException("could not restore " + snapshot, e);
    } finally {
      try {
        Files.deleteIfExists(dump);
      } catch (IOException e) {
        // the next plain restart would load it; nothing else writes there
      }
    }
  }

  /**
   * Stops a private server and deletes its directory; idempotent. Does nothing on the shared
   * server.
   */
  @Override
  public void close() {
    if (!isShared) {
      stopAndDelete();
    }
  }

  @Override
  public String toString() {
    return "RedisServer{port=" + port + (isShared ? ", shared" : "") + "}";
  }

  private synchronized void stopAndDelete() {
    if (closed) {
      return;
    }
    closed = true;
    halt();
    deleteRecursively(directory);
    ExitHooks.remove(exitHook);
  }

  private synchronized void halt() {
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    if (paused) {
      signal(running, "CONT"); // a stopped process would not act on SIGTERM
      paused = false;
    }
    running.destroy();
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private Process launch(int port) {
    Path log = directory.resolve("redis-" + port + ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                directory.toString(),
                "--logfile",
                ""));
    if (clusterNode) {
      command.addAll(
          List.of(
              "--cluster-enabled",
              "yes",
              "--cluster-config-file",
              "nodes.conf",
              "--cluster-port",
              Integer.toString(busPort),
              "--cluster-node-timeout",
              "3000"));
    }
    Process started;
    try {
      started =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + binary + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!started.isAlive()) {
        throw new IllegalStateException(
            "redis-server exited with "
                + started.exitValue()
                + " on port "
                + port
                + ": "
                + tail(log));
      }
      if (answersPing(port)) {
        return started;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    started.destroyForcibly();
    throw new IllegalStateException(
        "redis-server did not answer on port "
            + port
            + " within "
            + STARTUP_WAIT
            + ": "
            + tail(log));
  }

  /**
   * Sends one command and returns its reply as text: a simple string or error with its sign ({@code
   * +OK}, {@code -ERR ...}), an integer as {@code :n}, a bulk string as its content.
   *
   * @throws UncheckedIOException if the server cannot be reached
   */
  public synchronized String command(String... args) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      socket.setSoTimeout(30_000);
      StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
      for (String arg : args) {
        request
            .append('$')
            .append(arg.getBytes(StandardCharsets.UTF_8).length)
            .append("\r\n")
            .append(arg)
            .append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      String first = readLine(in);
      if (!first.startsWith("$")) {
        return first;
      }
      int length = Integer.parseInt(first.substring(1));
      if (length < 0) {
        return "";
      }
      byte[] body = in.readNBytes(length + 2);
      return new String(body, 0, Math.min(length, body.length), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not send " + args[0] + " to Redis on port " + port, e);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  private static boolean answersPing(int port) {
    try {
      return command(port, "PING").startsWith("+PONG");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Sends one inline command and returns the first line of the reply. */
  private static String command(int port, String inline) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      socket.setSoTimeout(30_000); // SAVE of a small data set
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder reply = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        reply.append((char) c);
      }
      return reply.toString();
    } catch (IOException e) {
      throw new IllegalStateException(inline + " on port " + port + ": " + e.getMessage(), e);
    }
  }

  private static void signal(Process process, String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill -"
                + signal
                + " "
                + process.pid()
                + " failed: "
                + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run kill -" + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal, e);
    }
  }

  private void ownServer(String what) {
    if (isShared) {
      throw new IllegalStateException(
          "the shared server cannot be " + what + ": start a private one");
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private static Path findBinary() {
    String configured = System.getProperty("tandem.redis.server");
    if (configured != null) {
      Path path = Path.of(configured);
      if (!Files.isExecutable(path)) {
        throw new IllegalStateException(
            "-Dtandem.redis.server=" + configured + " is not an executable file");
      }
      return path;
    }
    String searchPath = System.getenv("PATH");
    List<String> directories =
        new ArrayList<>(List.of((searchPath == null ? "" : searchPath).split(File.pathSeparator)));
    directories.addAll(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
    for (String name : List.of("redis-server", "valkey-server")) {
      for (String dir : directories) {
        if (!dir.isEmpty()) {
          Path candidate = Path.of(dir, name);
          if (Files.isExecutable(candidate)) {
            return candidate;
          }
        }
      }
    }
    throw new IllegalStateException(
        "redis-server is not installed: install it (Debian: apt-get install redis-server)"
            + " or set -Dtandem.redis.server=/path/to/redis-server");
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory left behind is harmless
    }
  }
}
