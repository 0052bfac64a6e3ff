package dev.tandem.testkit.fault;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Follows the client-to-server byte stream of one PostgreSQL connection (protocol 3.0, unencrypted)
 * message by message, to find where a statement was completely sent: after a simple {@code Query}
 * message, or after the {@code Sync} that ends an extended-protocol exchange whose {@code Bind}
 * named a statement. It remembers the text of every parsed statement, so that the execution of a
 * server-prepared statement ({@code Bind} of a name such as {@code S_1}, which pgjdbc sends instead
 * of the text after a few executions) is recognised too.
 *
 * <p>Anything it cannot frame (TLS, GSS encryption, a cancel request, garbage) makes it give up for
 * the rest of the connection: it then never asks for a cut. Not thread-safe: one reader thread
 * feeds it.
 */
final class PostgresFrontend implements StatementFrontend {

  private static final int PROTOCOL_3 = 196_608;
  private static final int SSL_REQUEST = 80_877_103;
  private static final int GSS_REQUEST = 80_877_104;
  private static final int MAX_STARTUP = 10_000;
  private static final int MAX_KEPT = 1 << 20;
  private static final int MAX_STATEMENTS = 4_096;

  private enum Phase {
    STARTUP,
    TYPED,
    OPAQUE
  }

  private final Predicate<String> cutAfter;
  private final Map<String, String> statements = new HashMap<>();
  private final byte[] header = new byte[5];
  private Phase phase = Phase.STARTUP;
  private int headerFill;
  private int type;
  private long remaining;
  private boolean inBody;
  private @Nullable ByteArrayOutputStream body;
  private boolean cutAtSync;

  /**
   * @param cutAfter asked with the text of each executed statement; returns whether the connection
   *     must be cut once that statement was completely sent (and consumes the rule)
   */
  PostgresFrontend(Predicate<String> cutAfter) {
    this.cutAfter = cutAfter;
  }

  /**
   * Follows {@code length} bytes from {@code offset}. Returns the index just past the message after
   * which the connection must be cut (bytes from there on must not be forwarded), or -1.
   */
  @Override
  public int feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end) {
      if (phase == Phase.OPAQUE) {
        return -1;
      }
      if (inBody) {
        int n = (int) Math.min(remaining, end - i);
        if (body != null) {
          body.write(bytes, i, n);
        }
        i += n;
        remaining -= n;
        if (remaining == 0) {
          inBody = false;
          if (complete()) {
            return i;
          }
        }
        continue;
      }
      header[headerFill++] = bytes[i++];
      int headerSize = phase == Phase.STARTUP ? 4 : 5;
      if (headerFill < headerSize) {
        continue;
      }
      headerFill = 0;
      int messageLength = phase == Phase.STARTUP ? intAt(header, 0) : intAt(header, 1);
      type = phase == Phase.STARTUP ? 0 : header[0] & 0xff;
      if (messageLength < 4
          || (phase == Phase.STARTUP && (messageLength < 8 || messageLength > MAX_STARTUP))) {
        phase = Phase.OPAQUE;
        return -1;
      }
      remaining = messageLength - 4L;
      boolean keep = phase == Phase.STARTUP || type == 'P' || type == 'B' || type == 'Q';
      body = keep && remaining <= MAX_KEPT ? new ByteArrayOutputStream((int) remaining) : null;
      inBody = remaining > 0;
      if (!inBody && complete()) {
        return i;
      }
    }
    return -1;
  }

  /** Handles a complete message; returns whether the connection must be cut right after it. */
  private boolean complete() {
    byte[] b = body != null ? body.toByteArray() : null;
    body = null;
    if (phase == Phase.STARTUP) {
      int code = b != null && b.length >= 4 ? intAt(b, 0) : -1;
      if (code == PROTOCOL_3) {
        phase = Phase.TYPED;
      } else if (code != SSL_REQUEST && code != GSS_REQUEST) {
        phase = Phase.OPAQUE; // a cancel request or something unknown
      } // after an encryption request a refused client sends its startup message; an accepted one,
      // no frame
      return false;
    }
    switch (type) {
      case 'Q' -> {
        return b != null && cutAfter.test(cString(b, 0));
      }
      case 'P' -> {
        if (b != null) {
          String name = cString(b, 0);
          String text = cString(b, name.getBytes(StandardCharsets.UTF_8).length + 1);
          if (statements.size() < MAX_STATEMENTS || statements.containsKey(name)) {
            statements.put(name, text);
          }
        }
      }
      case 'B' -> {
        if (b != null) {
          String portal = cString(b, 0);
          String text =
              statements.get(cString(b, portal.getBytes(StandardCharsets.UTF_8).length + 1));
          if (text != null && cutAfter.test(text)) {
            cutAtSync = true;
          }
        }
      }
      case 'S' -> {
        if (cutAtSync) {
          cutAtSync = false;
          return true;
        }
      }
      default -> {
        // other messages (Describe, Execute, Close, Flush, Terminate, ...) change nothing here
      }
    }
    return false;
  }

  private static int intAt(byte[] b, int at) {
    return (b[at] & 0xff) << 24
        | (b[at + 1] & 0xff) << 16
        | (b[at + 2] & 0xff) << 8
        | (b[at + 3] & 0xff);
  }

  /** The zero-terminated UTF-8 string at {@code from} (to the end if unterminated). */
  private static String cString(byte[] b, int from) {
    int end = from;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return from >= b.length ? "" : new String(b, from, end - from, StandardCharsets.UTF_8);
  }
}
