package dev.tandem.testkit.server;

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
 * A real Redis (or Valkey) server on a free loopback port, run from the installed
 * {@code redis-server} binary (Debian: {@code apt-get install redis-server}; CI installs it): one
 * {@linkplain #shared() shared} server per JVM, or {@linkplain #start() private} ones for tests
 * that stop, pause or restart their server.
 *
 * <p>The server saves nothing by itself ({@code --save ""}, no append-only file): {@link #restart()}
 * comes back empty. A test of a server that comes back with old data (race H9) takes a {@link
 * #snapshot()} (SAVE) and later {@link #restartFrom restarts from it}. The binary is {@code
 * -Dtandem.redis.server=PATH} if set, else {@code redis-server} or {@code valkey-server} from the
 * {@code PATH}.
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
  private boolean closed;

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
    for (int attempt = 0; attempt < 3; attempt++) { // a free port may be taken before the server binds it
      try {
        this.port = freePort();
        this.busPort = clusterNode ? freePort() : 0;
        this.process = launch(port);
        return;
      } catch (IllegalStateException e) {
        failure = e;
      }
    }
    deleteRecursively(directory);
    throw failure;
  }

  /**
   * Returns the JVM's shared server, starting it on first use; it is stopped when the JVM exits
   * and {@link #close()} on it does nothing.
   *
   * @throws IllegalStateException if no binary is installed or the server cannot start
   */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      RedisServer server = new RedisServer(true);
      Runtime.getRuntime().addShutdownHook(new Thread(server::stopAndDelete, "tandem-redis-stop"));
      shared = server;
    }
    return shared;
  }

  /**
   * Starts a private server on a free port; the caller closes it.
   *
   * @throws IllegalStateException if no binary is installed or the server cannot start
   */
  public static RedisServer start() {
    return new RedisServer(false);
  }

  /** Starts a private server with cluster mode on, not yet part of a cluster: see {@link RedisCluster}. */
  static RedisServer startClusterNode() {
    return new RedisServer(false, true);
  }

  /** Returns the loopback port the server listens on (kept across {@link #restart()}). */
  public synchronized int port() {
    return port;
  }

  /** Returns the cluster bus port of a cluster node (0 for a standalone server). */
  synchronized int busPort() {
    return busPort;
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
   * Stops the server (SIGTERM, then SIGKILL after 10 seconds); connections are refused until
   * {@link #restart()}. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server, which other tests use
   */
  public synchronized void stop() {
    if (isShared) {
      throw new IllegalStateException("the shared server cannot be stopped: start a private one");
    }
    halt();
  }

  /** Returns whether the server process is running. */
  public synchronized boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /**
   * Kills the server at once (SIGKILL: no chance to save or to close connections cleanly), as a
   * crash would; connections are refused until a restart. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server
   */
  public synchronized void kill() {
    if (isShared) {
      throw new IllegalStateException("the shared server cannot be killed: start a private one");
    }
    Process running = process;
    process = null;
    if (running != null) {
      running.destroyForcibly();
      try {
        running.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Saves the data set now (SAVE) and returns a copy of the file, for {@link #restartFrom}.
   *
   * @throws IllegalStateException if the server is not running or the save fails
   */
  public synchronized Path snapshot() {
    if (!isRunning()) {
      throw new IllegalStateException("the server is not running");
    }
    String reply = command("SAVE");
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException("SAVE answered " + reply.strip());
    }
    try {
      Path copy = Files.createTempFile(directory, "snapshot-", ".rdb");
      Files.copy(directory.resolve(DUMP), copy, StandardCopyOption.REPLACE_EXISTING);
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy the snapshot", e);
    }
  }

  /**
   * Stops the server if it runs and starts it again, empty, on the same port.
   *
   * @throws IllegalStateException if the server was closed or cannot start
   */
  public synchronized void restart() {
    checkRestartable();
    halt();
    try {
      Files.deleteIfExists(directory.resolve(DUMP));
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the old dump file", e);
    }
    process = launch(port);
  }

  /**
   * Kills the server if it runs (SIGKILL) and starts it again on the same port with the data of
   * {@code snapshot}, an earlier {@link #snapshot()}: the server comes back with old data.
   *
   * @throws IllegalStateException if the server was closed or cannot start
   */
  public synchronized void restartFrom(Path snapshot) {
    checkRestartable();
    kill();
    try {
      Files.copy(snapshot, directory.resolve(DUMP), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("could not put the snapshot in place", e);
    }
    process = launch(port);
  }

  private void checkRestartable() {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    if (isShared) {
      throw new IllegalStateException("the shared server cannot be restarted: start a private one");
    }
  }

  /** Stops a private server and deletes its directory; idempotent. Does nothing on the shared server. */
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
  }

  private synchronized void halt() {
    Process running = process;
    process = null;
    if (running == null) {
      return;
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
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--port", Integer.toString(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", directory.toString(),
        "--dbfilename", DUMP,
        "--logfile", ""));
    if (clusterNode) {
      command.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
          "--cluster-port", Integer.toString(busPort), "--cluster-node-timeout", "3000"));
    }
    Process started;
    try {
      started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + binary + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!started.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + started.exitValue() + " on port " + port
            + ": " + tail(log));
      }
      if (answersPing(port)) {
        return started;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    started.destroyForcibly();
    throw new IllegalStateException("redis-server did not answer on port " + port + " within " + STARTUP_WAIT
        + ": " + tail(log));
  }

  /**
   * Sends one command and returns its reply as text: a simple string or error with its sign
   * ({@code +OK}, {@code -ERR ...}), an integer as {@code :n}, a bulk string as its content.
   *
   * @throws UncheckedIOException if the server cannot be reached
   */
  public synchronized String command(String... args) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      socket.setSoTimeout(30_000);
      StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
      for (String arg : args) {
        request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
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
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int read = 0;
      while (read < reply.length) {
        int n = in.read(reply, read, reply.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
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
        throw new IllegalStateException("-Dtandem.redis.server=" + configured + " is not an executable file");
      }
      return path;
    }
    String searchPath = System.getenv("PATH");
    List<String> directories = new ArrayList<>(List.of((searchPath == null ? "" : searchPath).split(File.pathSeparator)));
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
    throw new IllegalStateException("redis-server is not installed: install it (Debian: apt-get install redis-server)"
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
