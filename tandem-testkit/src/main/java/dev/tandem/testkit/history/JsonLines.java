package dev.tandem.testkit.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON Lines codec of events: writes the fixed schema, and reads any JSON object that holds
 * its fields (unknown fields are skipped, so that other tools may add their own).
 */
final class JsonLines {

  private JsonLines() {}

  static String encode(Event event) {
    StringBuilder sb = new StringBuilder(96);
    sb.append("{\"process\":").append(event.process());
    sb.append(",\"type\":\"").append(event.type().wireName());
    sb.append("\",\"f\":\"").append(event.action().wireName());
    sb.append("\",\"key\":");
    appendString(sb, event.key());
    sb.append(",\"value\":");
    if (event.action() == Action.CAS) {
      sb.append('[').append(event.old()).append(',').append(event.value()).append(']');
    } else {
      sb.append(event.value());
    }
    sb.append(",\"time\":").append(event.time()).append('}');
    return sb.toString();
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * Decodes one line.
   *
   * @throws HistoryFormatException if the line is not a JSON object holding a valid event
   */
  static Event decode(String line) {
    Object parsed = new Parser(line).parseDocument();
    if (!(parsed instanceof Map<?, ?> fields)) {
      throw new HistoryFormatException("not a JSON object");
    }
    long process = integer(fields, "process");
    if (process < 0 || process > Integer.MAX_VALUE) {
      throw new HistoryFormatException("process out of range: " + process);
    }
    EventType type;
    Action action;
    try {
      type = EventType.fromWireName(string(fields, "type"));
      action = Action.fromWireName(string(fields, "f"));
    } catch (IllegalArgumentException e) {
      throw new HistoryFormatException(e.getMessage());
    }
    String key = string(fields, "key");
    long time = integer(fields, "time");
    Object value = fields.get("value");
    Long old = null;
    Long written;
    if (action == Action.CAS) {
      if (value == null) {
        written = null;
      } else if (value instanceof List<?> pair && pair.size() == 2) {
        old = nullableLong(pair.get(0), "value[0]");
        written = nullableLong(pair.get(1), "value[1]");
      } else {
        throw new HistoryFormatException("the value of a cas must be [old, new] but was " + value);
      }
    } else {
      written = nullableLong(value, "value");
    }
    return new Event((int) process, type, action, key, old, written, time);
  }

  private static long integer(Map<?, ?> fields, String name) {
    Object v = fields.get(name);
    if (v instanceof Long l) {
      return l;
    }
    throw new HistoryFormatException(
        "\"" + name + "\" must be an integer but was " + (fields.containsKey(name) ? v : "missing"));
  }

  private static String string(Map<?, ?> fields, String name) {
    Object v = fields.get(name);
    if (v instanceof String s) {
      return s;
    }
    throw new HistoryFormatException(
        "\"" + name + "\" must be a string but was " + (fields.containsKey(name) ? v : "missing"));
  }

  private static @Nullable Long nullableLong(@Nullable Object v, String name) {
    if (v == null || v instanceof Long) {
      return (Long) v;
    }
    throw new HistoryFormatException("\"" + name + "\" must be an integer or null but was " + v);
  }

  /** A recursive-descent parser of one JSON value; integers become Long, other numbers Double. */
  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    @Nullable Object parseDocument() {
      Object v = parseValue();
      skipWhitespace();
      if (pos != s.length()) {
        throw error("unexpected text after the JSON value");
      }
      return v;
    }

    private @Nullable Object parseValue() {
      skipWhitespace();
      if (pos >= s.length()) {
        throw error("unexpected end of line");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> parseObject();
        case '[' -> parseArray();
        case '"' -> parseString();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield parseNumber();
          }
          throw error("unexpected character '" + c + "'");
        }
      };
    }

    private Map<String, @Nullable Object> parseObject() {
      Map<String, @Nullable Object> map = new HashMap<>();
      pos++; // {
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return map;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw error("expected a field name");
        }
        String name = parseString();
        skipWhitespace();
        expect(':');
        if (map.containsKey(name)) {
          throw error("duplicate field \"" + name + "\"");
        }
        map.put(name, parseValue());
        skipWhitespace();
        char c = next();
        if (c == '}') {
          return map;
        }
        if (c != ',') {
          throw error("expected ',' or '}'");
        }
      }
    }

    private List<@Nullable Object> parseArray() {
      List<@Nullable Object> list = new ArrayList<>();
      pos++; // [
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return list;
      }
      while (true) {
        list.add(parseValue());
        skipWhitespace();
        char c = next();
        if (c == ']') {
          return list;
        }
        if (c != ',') {
          throw error("expected ',' or ']'");
        }
      }
    }

    private String parseString() {
      pos++; // "
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw error("control character in a string");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape '\\" + e + "'");
        }
      }
    }

    private Object parseNumber() {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      boolean integral = true;
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c >= '0' && c <= '9') {
          pos++;
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
          integral = false;
          pos++;
        } else {
          break;
        }
      }
      String text = s.substring(start, pos);
      try {
        return integral ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw error("bad number " + text);
      }
    }

    private @Nullable Object literal(String word, @Nullable Object value) {
      if (!s.startsWith(word, pos)) {
        throw error("unexpected token");
      }
      pos += word.length();
      return value;
    }

    private void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          return;
        }
        pos++;
      }
    }

    private char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char next() {
      if (pos >= s.length()) {
        throw error("unexpected end of line");
      }
      return s.charAt(pos++);
    }

    private void expect(char c) {
      if (next() != c) {
        throw error("expected '" + c + "'");
      }
    }

    private HistoryFormatException error(String message) {
      return new HistoryFormatException(message + " at column " + (pos + 1));
    }
  }
}
