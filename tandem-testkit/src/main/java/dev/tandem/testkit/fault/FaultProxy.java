package dev.tandem.testkit.fault;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on the loopback interface in front of a database server, which injects network faults
 * into real connections: point the JDBC URL at {@link #port()} instead of the server's.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start("localhost", server.port())) {
 *   String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/db?user=postgres";
 *   proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ofMillis(5)); // a slow network
 *   proxy.cutAfterStatement("COMMIT", 1);  // the next COMMIT reaches the server, its answer is lost
 *   proxy.dropConnections();               // every open connection is reset now
 *   proxy.stopAccepting();                 // new connections fail as if the server were down
 * }
 * }</pre>
 *
 * <p>Faults:
 *
 * <ul>
 *   <li>{@link #latency}: every chunk of bytes is forwarded no earlier than this long after it was
 *       read, per direction; order is kept. A change applies at once, also to bytes held back.
 *   <li>{@link #dropConnections()}: resets (TCP RST) both sides of every open connection.
 *   <li>{@link #cutAfterStatement}: PostgreSQL only. Cuts a connection right after it forwarded the
 *       complete request to execute a statement whose text contains a fragment: the server receives
 *       the whole request and then an end of stream, so it runs the statement, while the client is
 *       reset before any answer. Cutting after {@code COMMIT} makes the commit's outcome unknown to
 *       the client although it happened. Executions of server-prepared statements are recognised
 *       (pgjdbc sends the text of {@code COMMIT} only when it prepares it).
 *   <li>{@link #stopAccepting()}: new connections are accepted and reset at once, which a client
 *       sees as a failed connection attempt (pgjdbc: SQLState 08001); open ones are untouched.
 * </ul>
 *
 * <p>Resources are bounded: at most {@value #MAX_CONNECTIONS} connections at a time (more are
 * reset), one platform thread accepting, four virtual threads per connection, and at most 1 MiB in
 * flight per direction of a connection. {@link #close()} ends everything. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

  /** A direction of traffic through the proxy. */
  public enum Direction {
    /** Requests, from the client (the application) to the server (the database). */
    CLIENT_TO_SERVER,
    /** Answers, from the server to the client. */
    SERVER_TO_CLIENT
  }

  /** How many connections the proxy carries at a time; more are reset. */
  public static final int MAX_CONNECTIONS = 512;

  /** A rule that cuts the next {@code remaining} connections that execute a matching statement. */
  private record CutRule(String fragment, AtomicInteger remaining) {}

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicInteger names = new AtomicInteger();
  private volatile @Nullable CutRule cutRule;
  private volatile long clientToServerNanos;
  private volatile long serverToClientNanos;
  private volatile boolean refusing;
  private volatile boolean closed;

  /** Guards the two fields below. */
  private final Object gaps = new Object();

  /**
   * Whether no connection is open since one closed (not before the first); since when
   * (System.nanoTime).
   */
  private boolean idle;

  private long idleSince;
  private long longestGapNanos;

  /**
   * Whether the server speaks MariaDB's protocol (else PostgreSQL's), for {@link
   * #cutAfterStatement}.
   */
  private final boolean mariadb;

  private FaultProxy(InetSocketAddress target, ServerSocket listener, boolean mariadb) {
    this.target = target;
    this.listener = listener;
    this.mariadb = mariadb;
    this.acceptor =
        Thread.ofPlatform()
            .daemon()
            .name("fault-proxy-" + listener.getLocalPort())
            .unstarted(this::accept);
  }

  /**
   * Starts a proxy of {@code host:port} listening on a free port of the loopback interface.
   *
   * @throws UncheckedIOException if no port can be opened
   */
  public static FaultProxy start(String host, int port) {
    return start(host, port, false);
  }

  /**
   * Starts a proxy of the MariaDB (or MySQL) server {@code host:port}, as {@link #start} does; its
   * {@link #cutAfterStatement} follows the MariaDB client protocol instead of PostgreSQL's.
   *
   * @throws UncheckedIOException if no port can be opened
   */
  public static FaultProxy startMariaDb(String host, int port) {
    return start(host, port, true);
  }

  private static FaultProxy start(String host, int port, boolean mariadb) {
    requireNonNull(host, "host");
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be 1 to 65535 but was " + port);
    }
    ServerSocket listener;
    try {
      listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not open a port for the proxy of " + host + ":" + port, e);
    }
    FaultProxy proxy = new FaultProxy(new InetSocketAddress(host, port), listener, mariadb);
    proxy.acceptor.start();
    return proxy;
  }

  /**
   * Returns the host to connect to instead of the server: the loopback address, {@code 127.0.0.1}.
   */
  public String host() {
    return listener.getInetAddress().getHostAddress();
  }

  /** Returns the port to connect to instead of the server's. */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * Holds every chunk of bytes going in {@code direction} back until {@code delay} has passed since
   * it was read; zero forwards at once (the default). Applies at once to bytes already held back.
   *
   * @throws IllegalArgumentException if the delay is negative
   */
  public void latency(Direction direction, Duration delay) {
    requireNonNull(direction, "direction");
    requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative but was " + delay);
    }
    long nanos = delay.toNanos();
    if (direction == Direction.CLIENT_TO_SERVER) {
      clientToServerNanos = nanos;
    } else {
      serverToClientNanos = nanos;
    }
  }

  /** Resets both sides of every open connection now; returns how many there were. */
  public int dropConnections() {
    List<ProxiedConnection> now = new ArrayList<>(open);
    now.forEach(ProxiedConnection::drop);
    return now.size();
  }

  /**
   * Arms a rule that cuts the next {@code times} connections that execute a statement whose text
   * contains {@code fragment} (case-sensitive; pgjdbc sends {@code COMMIT} in capitals), each right
   * after the complete request to execute it was forwarded to the server. Replaces the rule armed
   * before; {@code times} 0 disarms. Understands PostgreSQL's protocol 3.0 without TLS, or, for a
   * proxy made by {@link #startMariaDb}, MariaDB's client protocol without TLS or compression (a
   * {@code COM_QUERY}: MariaDB Connector/J sends {@code COMMIT} and client-prepared statements so).
   *
   * @throws IllegalArgumentException if the fragment is empty or times is negative
   */
  public void cutAfterStatement(String fragment, int times) {
    requireNonNull(fragment, "fragment");
    if (fragment.isEmpty()) {
      throw new IllegalArgumentException("fragment must not be empty");
    }
    if (times < 0) {
      throw new IllegalArgumentException("times must not be negative but was " + times);
    }
    cutRule = times == 0 ? null : new CutRule(fragment, new AtomicInteger(times));
  }

  /** Returns how many connections were cut after a statement since the proxy started. */
  public int cutCount() {
    return cuts.get();
  }

  /** Returns how many cuts the armed rule still makes (0 if none is armed). */
  public int armedCuts() {
    CutRule rule = cutRule;
    return rule == null ? 0 : Math.max(0, rule.remaining().get());
  }

  /** Makes new connections fail (accepted and reset at once) until {@link #resumeAccepting()}. */
  public void stopAccepting() {
    refusing = true;
  }

  /** Lets new connections through again. */
  public void resumeAccepting() {
    refusing = false;
  }

  /** Returns the number of connections carried now. */
  public int openConnections() {
    return open.size();
  }

  /** Returns how many connections were let through since the proxy started. */
  public long acceptedConnections() {
    return accepted.get();
  }

  /**
   * Returns the longest time the proxy carried no connection between two connections: from the
   * moment its last open connection closed (or was reset) to the moment it let a new one through to
   * the server. For a client that keeps one connection, this is the longest time it could not reach
   * the server (a refused attempt does not end the gap). The time before the first connection and a
   * gap still running are not counted; zero if there was no such gap.
   */
  public Duration longestGap() {
    synchronized (gaps) {
      return Duration.ofNanos(longestGapNanos);
    }
  }

  /**
   * Stops listening and resets every connection; waits briefly for the threads to end. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    dropConnections();
    try {
      acceptor.join(Duration.ofSeconds(5));
      for (Thread t : new ArrayList<>(threads)) {
        t.interrupt();
        t.join(Duration.ofSeconds(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "FaultProxy{"
        + host()
        + ":"
        + port()
        + " -> "
        + target.getHostString()
        + ":"
        + target.getPort()
        + "}";
  }

  // ------------------------------------------------------------------ for ProxiedConnection

  long clientToServerNanos() {
    return clientToServerNanos;
  }

  long serverToClientNanos() {
    return serverToClientNanos;
  }

  /**
   * Returns a follower of one connection's client-to-server stream for {@link #cutAfterStatement}.
   */
  StatementFrontend frontend() {
    return mariadb ? new MariaDbFrontend(this::consumeCut) : new PostgresFrontend(this::consumeCut);
  }

  /** Whether a statement with this text must be cut after; consumes one cut of the rule if so. */
  boolean consumeCut(String statement) {
    CutRule rule = cutRule;
    return rule != null
        && statement.contains(rule.fragment())
        && rule.remaining().getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }

  void counted() {
    cuts.incrementAndGet();
  }

  void removed(ProxiedConnection connection) {
    if (open.remove(connection)) {
      synchronized (gaps) {
        if (open.isEmpty() && !idle) {
          idle = true;
          idleSince = System.nanoTime();
        }
      }
    }
  }

  /** Returns an unstarted virtual thread that the proxy tracks until it ends. */
  Thread thread(String role, Runnable task) {
    Thread[] self = new Thread[1];
    self[0] =
        Thread.ofVirtual()
            .name("fault-proxy-" + port() + "-" + role + "-" + names.incrementAndGet())
            .unstarted(
                () -> {
                  try {
                    task.run();
                  } finally {
                    threads.remove(self[0]);
                  }
                });
    threads.add(self[0]);
    return self[0];
  }

  // ------------------------------------------------------------------ accepting

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(
            1_000_000); // a failed accept (out of files?): keep listening
        continue;
      }
      if (refusing || closed || open.size() >= MAX_CONNECTIONS) {
        reset(client);
        continue;
      }
      thread("connect", () -> connect(client)).start();
    }
  }

  private void connect(Socket client) {
    Socket server = new Socket();
    ProxiedConnection connection = null;
    try {
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
      server.connect(target, 10_000);
      connection = new ProxiedConnection(this, client, server);
      open.add(connection);
      synchronized (gaps) {
        if (idle) {
          longestGapNanos = Math.max(longestGapNanos, System.nanoTime() - idleSince);
          idle = false;
        }
      }
      if (closed) {
        connection.drop();
        return;
      }
      accepted.incrementAndGet();
      connection.start();
    } catch (IOException e) {
      if (connection != null) {
        connection.drop();
      } else {
        reset(client);
        reset(server);
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException e) {
      // closed already
    }
    try {
      socket.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }
}
