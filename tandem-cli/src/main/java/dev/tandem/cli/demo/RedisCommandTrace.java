package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import dev.tandem.redis.RedisTier;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Shows the commands a Lettuce client sends, as {@code redis-cli} would type them, in a {@link
 * SqlTrace}: the demo registers it on the client its Redis tier uses ({@code
 * RedisClient#addListener}), so that {@code --verbose} shows Redis commands beside the SQL.
 *
 * <p>Arguments that are not printable text are shown with {@code \xNN} escapes, long ones cut. The
 * tier's Lua scripts run as {@code EVALSHA} with a SHA-1; the trace names the script when it saw
 * the script loaded ({@code SCRIPT LOAD}) and recognises it among the tier's scripts.
 *
 * <p>The near tier's heartbeats ({@code PUBLISH} on its channel, several a second whatever the demo
 * does) are left out.
 *
 * <p>Thread-safe: Lettuce calls it from the threads that send commands.
 */
final class RedisCommandTrace implements CommandListener {

  /**
   * The Lua scripts of the Redis tier, by the name of their resource in {@code dev/tandem/redis/}.
   */
  private static final List<String> SCRIPTS =
      List.of(
          "begin_fill",
          "fill",
          "cancel_fill",
          "apply",
          "fence",
          "before_write",
          "retire",
          "invalidate",
          "abandon",
          "drop_undecodable",
          "epoch_begin",
          "epoch_flush",
          "epoch_end");

  private static final int LONGEST_ARGUMENT = 60;

  private final SqlTrace trace;
  private final byte[] heartbeatChannel;
  private final Map<String, String> scriptNames = new ConcurrentHashMap<>();

  /**
   * Creates a trace that records into {@code trace}, leaving out what is published on {@code
   * heartbeatChannel}.
   */
  RedisCommandTrace(SqlTrace trace, String heartbeatChannel) {
    this.trace = requireNonNull(trace, "trace");
    this.heartbeatChannel = heartbeatChannel.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void commandStarted(CommandStartedEvent event) {
    RedisCommand<?, ?, ?> command = event.getCommand();
    if (command.getType().toString().equalsIgnoreCase("PUBLISH")) {
      List<byte[]> args = arguments(command.getArgs());
      if (!args.isEmpty() && Arrays.equals(args.get(0), heartbeatChannel)) {
        return;
      }
    }
    trace.redis(show(command));
  }

  /** Returns {@code command} as one line of text. */
  String show(RedisCommand<?, ?, ?> command) {
    List<byte[]> args = arguments(command.getArgs());
    StringBuilder line = new StringBuilder(command.getType().toString());
    String type = line.toString().toUpperCase(Locale.ROOT);
    if (type.equals("SCRIPT") && args.size() == 2 && text(args.get(0)).equalsIgnoreCase("LOAD")) {
      String body = text(args.get(1));
      String name = nameOf(body);
      scriptNames.put(sha1(body), name);
      return line + " LOAD (" + name + ".lua, " + args.get(1).length + " bytes)";
    }
    for (int i = 0; i < args.size(); i++) {
      line.append(' ').append(argument(args.get(i)));
      if (i == 0 && type.equals("EVALSHA")) {
        String name = scriptNames.get(text(args.get(0)));
        if (name != null) {
          line.append(" (").append(name).append(".lua)");
        }
      }
    }
    return line.toString();
  }

  /** The arguments as the client writes them: RESP bulk strings after the command's name. */
  private static List<byte[]> arguments(@Nullable CommandArgs<?, ?> args) {
    List<byte[]> arguments = new ArrayList<>();
    if (args == null) {
      return arguments;
    }
    ByteBuf buffer = Unpooled.buffer();
    try {
      args.encode(buffer);
      while (buffer.isReadable() && buffer.readByte() == '$') {
        int length = 0;
        byte digit;
        while ((digit = buffer.readByte()) != '\r') {
          length = length * 10 + (digit - '0');
        }
        buffer.skipBytes(1); // \n
        byte[] argument = new byte[length];
        buffer.readBytes(argument);
        buffer.skipBytes(2); // \r\n
        arguments.add(argument);
      }
    } finally {
      buffer.release();
    }
    return arguments;
  }

  /**
   * Shows an argument as it is if it is printable without blanks, else quoted with escapes; long
   * ones cut.
   */
  private static String argument(byte[] bytes) {
    int limit = Math.min(bytes.length, LONGEST_ARGUMENT);
    String cut = bytes.length > limit ? "...(" + bytes.length + " bytes)" : "";
    boolean plain = bytes.length > 0;
    for (byte b : bytes) {
      plain &= b > ' ' && b < 0x7f;
    }
    if (plain) {
      return new String(bytes, 0, limit, StandardCharsets.US_ASCII) + cut;
    }
    StringBuilder shown = new StringBuilder("\"");
    for (int i = 0; i < limit; i++) {
      int b = bytes[i] & 0xff;
      if (b == '"' || b == '\\') {
        shown.append('\\').append((char) b);
      } else if (b >= ' ' && b < 0x7f) {
        shown.append((char) b);
      } else {
        shown.append(String.format(Locale.ROOT, "\\x%02x", b));
      }
    }
    return shown.append('"').append(cut).toString();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Returns the name of the tier's script whose text {@code body} is (with or without the shared
   * library), or "a script".
   */
  private static String nameOf(String body) {
    for (String name : SCRIPTS) {
      String script = resource(name);
      if (script != null && (body.equals(script) || body.endsWith("\n" + script))) {
        return name;
      }
    }
    return "a script";
  }

  private static @Nullable String resource(String name) {
    try (InputStream in = RedisTier.class.getResourceAsStream(name + ".lua")) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1", e);
    }
  }
}
