package dev.tandem.testkit.fault;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Follows the client-to-server byte stream of one MariaDB (or MySQL) connection packet by packet (a
 * 3-byte little-endian length, a sequence number, the payload), to find where a statement was
 * completely sent: after a {@code COM_QUERY} packet, the first of a command (sequence 0), whose
 * payload is the byte 3 and the statement's text. MariaDB Connector/J sends {@code COMMIT} and its
 * client-side prepared statements (its default) that way.
 *
 * <p>A first packet of 32 bytes is a request to switch to TLS, and a client that asks for
 * compression frames differently: either makes it give up for the rest of the connection (it then
 * never asks for a cut). Server-side prepared statements ({@code COM_STMT_EXECUTE}) are not
 * recognised. Not thread-safe: one reader thread feeds it.
 */
final class MariaDbFrontend implements StatementFrontend {

  private static final int COM_QUERY = 3;
  private static final int SSL_REQUEST_LENGTH = 32;
  private static final int CLIENT_COMPRESS = 0x20;
  private static final int MAX_KEPT = 1 << 20;

  private final Predicate<String> cutAfter;
  private final byte[] header = new byte[4];
  private int headerFill;
  private long remaining;
  private boolean inBody;
  private boolean first = true;
  private boolean opaque;
  private int sequence;
  private @Nullable ByteArrayOutputStream body;

  /**
   * @param cutAfter asked with the text of each executed statement; returns whether the connection
   *     must be cut once that statement was completely sent (and consumes the rule)
   */
  MariaDbFrontend(Predicate<String> cutAfter) {
    this.cutAfter = cutAfter;
  }

  @Override
  public int feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end) {
      if (opaque) {
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
      if (headerFill < header.length) {
        continue;
      }
      headerFill = 0;
      remaining = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
      sequence = header[3] & 0xff;
      boolean keep = (first || sequence == 0) && remaining <= MAX_KEPT;
      body = keep ? new ByteArrayOutputStream((int) remaining) : null;
      inBody = remaining > 0;
      if (!inBody && complete()) {
        return i;
      }
    }
    return -1;
  }

  /** Handles a complete packet; returns whether the connection must be cut right after it. */
  private boolean complete() {
    byte[] b = body != null ? body.toByteArray() : null;
    body = null;
    if (first) { // the handshake response (or a request for TLS)
      first = false;
      if (b == null
          || b.length == SSL_REQUEST_LENGTH
          || b.length < 4
          || (b[0] & CLIENT_COMPRESS) != 0) {
        opaque = true;
      }
      return false;
    }
    return sequence == 0
        && b != null
        && b.length > 0
        && b[0] == COM_QUERY
        && cutAfter.test(new String(b, 1, b.length - 1, StandardCharsets.UTF_8));
  }
}
