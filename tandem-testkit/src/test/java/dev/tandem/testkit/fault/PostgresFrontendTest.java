package dev.tandem.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client-side PostgreSQL protocol follower finds where a statement's request ends. */
class PostgresFrontendTest {

  private final List<String> asked = new ArrayList<>();
  private final PostgresFrontend frontend =
      new PostgresFrontend(
          text -> {
            asked.add(text);
            return text.contains("COMMIT");
          });

  @Test
  void cutsAfterTheSyncThatFollowsTheExecutionOfAnUnnamedMatchingStatement() {
    byte[] before =
        concat(
            sslRequest(),
            startup(),
            parse("", "INSERT INTO t VALUES ($1)"),
            bind("", ""),
            execute(),
            sync());
    byte[] commit = concat(parse("", "COMMIT"), bind("", ""), execute(), sync());
    byte[] after = query("SELECT 1");
    byte[] all = concat(before, commit, after);

    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(before.length + commit.length);
    assertThat(asked).containsExactly("INSERT INTO t VALUES ($1)", "COMMIT");
  }

  @Test
  void findsTheCutPointWhenBytesArriveOneAtATime() {
    byte[] all =
        concat(startup(), parse("", "COMMIT"), bind("", ""), execute(), sync(), query("SELECT 1"));
    int cutAt = -1;
    for (int i = 0; i < all.length && cutAt < 0; i++) {
      if (frontend.feed(all, i, 1) >= 0) {
        cutAt = i + 1;
      }
    }
    assertThat(cutAt).isEqualTo(all.length - query("SELECT 1").length);
  }

  @Test
  void recognisesTheExecutionOfAServerPreparedStatementByItsName() {
    byte[] prepare = concat(startup(), parse("S_1", "COMMIT"), describe(), sync());
    byte[] other = concat(parse("S_2", "UPDATE t SET v = $1"), bind("", "S_2"), execute(), sync());
    byte[] commit = concat(bind("", "S_1"), execute(), sync());
    byte[] all = concat(prepare, other, commit);

    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(all.length);
    assertThat(asked).containsExactly("UPDATE t SET v = $1", "COMMIT");
  }

  @Test
  void cutsRightAfterASimpleQuery() {
    byte[] first = concat(startup(), query("BEGIN"), query("COMMIT"));
    byte[] all = concat(first, query("SELECT 1"));
    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(first.length);
  }

  @Test
  void neverCutsAStatementThatDoesNotMatch() {
    byte[] all =
        concat(
            startup(), parse("", "SELECT 1"), bind("", ""), execute(), sync(), query("SELECT 2"));
    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(-1);
    assertThat(asked).containsExactly("SELECT 1", "SELECT 2");
  }

  @Test
  void givesUpOnAnEncryptedStream() {
    byte[] tls = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
    byte[] all = concat(sslRequest(), tls, query("COMMIT"));
    assertThat(frontend.feed(all, 0, all.length)).isEqualTo(-1);
    assertThat(asked).isEmpty();
  }

  // ------------------------------------------------------------------ protocol 3.0 messages

  private static byte[] sslRequest() {
    return ByteBuffer.allocate(8).putInt(8).putInt(80_877_103).array();
  }

  private static byte[] startup() {
    byte[] params = cstrings("user", "postgres", "");
    return ByteBuffer.allocate(8 + params.length)
        .putInt(8 + params.length)
        .putInt(196_608)
        .put(params)
        .array();
  }

  private static byte[] parse(String name, String sql) {
    return message('P', concat(cstrings(name, sql), new byte[] {0, 0}));
  }

  private static byte[] bind(String portal, String statement) {
    return message('B', concat(cstrings(portal, statement), new byte[] {0, 0, 0, 0, 0, 0}));
  }

  private static byte[] describe() {
    return message('D', concat(new byte[] {'S'}, cstrings("S_1")));
  }

  private static byte[] execute() {
    return message('E', concat(cstrings(""), new byte[] {0, 0, 0, 0}));
  }

  private static byte[] sync() {
    return message('S', new byte[0]);
  }

  private static byte[] query(String sql) {
    return message('Q', cstrings(sql));
  }

  private static byte[] message(char type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length)
        .put((byte) type)
        .putInt(4 + body.length)
        .put(body)
        .array();
  }

  private static byte[] cstrings(String... strings) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : strings) {
      out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
