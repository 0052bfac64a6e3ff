package dev.tandem.testkit.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One client connection of a {@link FaultProxy} and its connection to the server: two directions,
 * each a reader thread that reads chunks into a bounded queue and a writer thread that forwards
 * them once their latency has passed.
 *
 * <p>States: open, then either closed (either side ended, {@link #close}, {@link #drop}) or cut:
 * the state turns to cut just before a statement's last bytes are forwarded (so that no answer to
 * it can reach the client), then the server's side is only half-closed, so that it still receives
 * and runs everything forwarded, the client is reset, and the server's answers are read and
 * discarded until it closes its end.
 */
final class ProxiedConnection {

  private static final int CHUNK = 16 * 1024;
  private static final int MAX_CHUNKS = 64;
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private enum State {
    OPEN,
    CUT,
    CLOSED
  }

  /** Bytes read at {@code readAt}; {@code cutAfter} cuts the connection once they are forwarded. */
  private record Chunk(byte[] bytes, long readAt, boolean cutAfter) {
    static final Chunk END = new Chunk(new byte[0], 0, false);
  }

  private final FaultProxy proxy;
  private final Socket client;
  private final Socket server;
  private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
  private final Thread[] threads = new Thread[4];

  ProxiedConnection(FaultProxy proxy, Socket client, Socket server) {
    this.proxy = proxy;
    this.client = client;
    this.server = server;
  }

  /** Starts the four threads; the connection removes itself from the proxy when it ends. */
  void start() throws IOException {
    StatementFrontend frontend = proxy.frontend();
    BlockingQueue<Chunk> up = new ArrayBlockingQueue<>(MAX_CHUNKS);
    BlockingQueue<Chunk> down = new ArrayBlockingQueue<>(MAX_CHUNKS);
    InputStream fromClient = client.getInputStream();
    OutputStream toServer = server.getOutputStream();
    InputStream fromServer = server.getInputStream();
    OutputStream toClient = client.getOutputStream();
    threads[0] = proxy.thread("up-read", () -> read(fromClient, up, frontend));
    threads[1] = proxy.thread("up-write", () -> write(up, toServer, proxy::clientToServerNanos));
    threads[2] = proxy.thread("down-read", () -> read(fromServer, down, null));
    threads[3] =
        proxy.thread("down-write", () -> write(down, toClient, proxy::serverToClientNanos));
    for (Thread t : threads) {
      t.start();
    }
  }

  /** Resets both sides at once: both peers see the connection fail. */
  void drop() {
    if (state.getAndSet(State.CLOSED) != State.CLOSED) {
      reset(client);
      reset(server);
      end();
    }
  }

  /** Closes both sides and stops the threads; idempotent. */
  void close() {
    if (state.getAndSet(State.CLOSED) != State.CLOSED) {
      closeQuietly(client);
      closeQuietly(server);
      end();
    }
  }

  /** Waits up to {@code millis} for the threads to end. */
  void join(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (Thread t : threads) {
      long left = deadline - System.nanoTime();
      if (t != null && left > 0) {
        t.join(java.time.Duration.ofNanos(left));
      }
    }
  }

  private void end() {
    for (Thread t : threads) {
      if (t != null && t != Thread.currentThread()) {
        t.interrupt();
      }
    }
    proxy.removed(this);
  }

  /**
   * Finishes cutting the connection once the statement was forwarded: the server gets an end of
   * stream after everything forwarded, the client is reset, and the server's answers are read and
   * discarded until it closes.
   */
  private void finishCut() {
    proxy.counted();
    try {
      server.shutdownOutput();
    } catch (IOException e) {
      close();
      return;
    }
    reset(client);
    threads[3].interrupt();
  }

  private void read(
      InputStream in, BlockingQueue<Chunk> queue, @Nullable StatementFrontend frontend) {
    byte[] buffer = new byte[CHUNK];
    try {
      while (true) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        State now = state.get();
        if (now == State.CUT) {
          continue; // the server's answers to a cut client: read and dropped until the server
          // closes
        } else if (now == State.CLOSED) {
          break;
        }
        int cutAt = frontend != null ? frontend.feed(buffer, 0, n) : -1;
        if (cutAt >= 0) {
          forward(queue, new Chunk(Arrays.copyOf(buffer, cutAt), System.nanoTime(), true));
          return; // what the client sent after the statement is never forwarded
        }
        forward(queue, new Chunk(Arrays.copyOf(buffer, n), System.nanoTime(), false));
      }
    } catch (IOException | InterruptedException e) {
      // the socket was closed or reset, or the connection is being closed
    }
    if (state.get() == State.CUT && frontend == null) {
      close(); // the server closed its end after the cut
      return;
    }
    try {
      forward(queue, Chunk.END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Queues {@code chunk}, waiting while the queue is full and the connection open; else drops it.
   */
  private void forward(BlockingQueue<Chunk> queue, Chunk chunk) throws InterruptedException {
    while (!queue.offer(chunk, 5, TimeUnit.MILLISECONDS)) {
      if (state.get() != State.OPEN) {
        return;
      }
    }
  }

  private void write(BlockingQueue<Chunk> queue, OutputStream out, LongSupplier latencyNanos) {
    try {
      while (true) {
        Chunk chunk = queue.take();
        if (chunk == Chunk.END) {
          break;
        }
        awaitLatency(chunk, latencyNanos);
        if (state.get() != State.OPEN) {
          break; // closed, or cut: nothing more reaches the client
        }
        if (chunk.cutAfter()) {
          // cut before the statement can be answered: from now on the server's answers are dropped
          if (!state.compareAndSet(State.OPEN, State.CUT)) {
            break;
          }
          try {
            out.write(chunk.bytes());
            out.flush();
          } catch (IOException e) {
            close(); // the server went away first: nothing to cut
            return;
          }
          finishCut();
          return;
        }
        out.write(chunk.bytes());
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the peer went away, or the connection is being closed
    }
    if (state.get() == State.OPEN) {
      close(); // a cut connection is closed when the server ends its side
    }
  }

  /**
   * Waits until the chunk's latency, read afresh so that a lowered latency releases it early, has
   * passed.
   */
  private void awaitLatency(Chunk chunk, LongSupplier latencyNanos) throws InterruptedException {
    while (true) {
      long wait = chunk.readAt() + latencyNanos.getAsLong() - System.nanoTime();
      if (wait <= 0) {
        return;
      }
      LockSupport.parkNanos(Math.min(wait, MAX_PARK_NANOS));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // already closed
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }
}
