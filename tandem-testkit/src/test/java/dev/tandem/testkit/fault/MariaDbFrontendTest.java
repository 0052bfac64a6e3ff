package dev.tandem.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client-side MariaDB protocol follower finds where a statement's packet ends. */
class MariaDbFrontendTest {

  private final List<String> asked = new ArrayList<>();
  private final MariaDbFrontend frontend =
      new MariaDbFrontend(
          text -> {
            asked.add(text);
            return text.equals("COMMIT");
          });

  @Test
  void cutsRightAfterTheQueryPacketOfAMatchingStatement() {
    byte[] before =
        concat(handshakeResponse(), query("SET autocommit=0"), query("INSERT INTO t VALUES (1)"));
    byte[] commit = query("COMMIT");
    byte[] all = concat(before, commit, query("DO RELEASE_ALL_LOCKS()"));

    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(before.length + commit.length);
    assertThat(asked).containsExactly("SET autocommit=0", "INSERT INTO t VALUES (1)", "COMMIT");
  }

  @Test
  void findsTheCutPointWhenBytesArriveOneAtATime() {
    byte[] all = concat(handshakeResponse(), query("COMMIT"), query("SELECT 1"));
    int cutAt = -1;
    for (int i = 0; i < all.length && cutAt < 0; i++) {
      if (frontend.feed(all, i, 1) >= 0) {
        cutAt = i + 1;
      }
    }
    assertThat(cutAt).isEqualTo(all.length - query("SELECT 1").length);
  }

  @Test
  void theHandshakeResponseAndPacketsThatContinueACommandAreNotStatements() {
    byte[] response = packet(1, concat(new byte[] {0, 0, 0, 0}, ascii("COMMIT")));
    byte[] authSwitch = packet(3, concat(new byte[] {3}, ascii("COMMIT")));
    byte[] all = concat(response, authSwitch);

    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(-1);
    assertThat(asked).isEmpty();
  }

  @Test
  void aRequestForTlsMakesItGiveUp() {
    byte[] all = concat(packet(1, new byte[32]), query("COMMIT"));

    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(-1);
    assertThat(asked).isEmpty();
  }

  private static byte[] handshakeResponse() {
    return packet(
        1,
        concat(
            new byte[] {(byte) 0x8d, (byte) 0xa2, 0x0a, 0x00},
            new byte[28],
            ascii("root"),
            new byte[] {0}));
  }

  private static byte[] query(String sql) {
    return packet(0, concat(new byte[] {3}, sql.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] packet(int sequence, byte[] payload) {
    byte[] header = {
      (byte) payload.length,
      (byte) (payload.length >>> 8),
      (byte) (payload.length >>> 16),
      (byte) sequence
    };
    return concat(header, payload);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
