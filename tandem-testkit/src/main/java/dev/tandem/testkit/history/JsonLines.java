package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNullElse;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * The JSON Lines codec of events (Jackson underneath): writes the fixed schema, compact, fields in
 * a fixed order; reads any JSON object that holds its fields (unknown fields are skipped, so that
 * other tools may add their own; a name given twice or text after the object is an error).
 */
final class JsonLines {

  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private JsonLines() {}

  static String encode(Event event) {
    StringWriter text = new StringWriter(96);
    try (JsonGenerator json = MAPPER.getFactory().createGenerator(text)) {
      json.writeStartObject();
      json.writeNumberField("process", event.process());
      json.writeStringField("type", event.type().wireName());
      json.writeStringField("f", event.action().wireName());
      json.writeStringField("key", event.key());
      json.writeFieldName("value");
      if (event.action() == Action.CAS) {
        json.writeStartArray();
        number(json, event.old());
        number(json, event.value());
        json.writeEndArray();
      } else {
        number(json, event.value());
      }
      json.writeNumberField("time", event.time());
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.toString();
  }

  private static void number(JsonGenerator json, @Nullable Long value) throws IOException {
    if (value == null) {
      json.writeNull();
    } else {
      json.writeNumber(value.longValue());
    }
  }

  /**
   * Decodes one line.
   *
   * @throws HistoryFormatException if the line is not a JSON object holding a valid event
   */
  static Event decode(String line) {
    JsonNode fields;
    try {
      fields = MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String what =
          e instanceof JsonEOFException ? "unexpected end of line" : e.getOriginalMessage();
      throw new HistoryFormatException(what + (at == null ? "" : " at column " + at.getColumnNr()));
    }
    if (fields == null || !fields.isObject()) {
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
      throw new HistoryFormatException(requireNonNullElse(e.getMessage(), e.toString()));
    }
    String key = string(fields, "key");
    long time = integer(fields, "time");
    JsonNode value = fields.get("value");
    Long old = null;
    Long written;
    if (action == Action.CAS) {
      if (value == null || value.isNull()) {
        written = null;
      } else if (value.isArray() && value.size() == 2) {
        old = nullableLong(value.get(0), "value[0]");
        written = nullableLong(value.get(1), "value[1]");
      } else {
        throw new HistoryFormatException("the value of a cas must be [old, new] but was " + value);
      }
    } else {
      written = nullableLong(value, "value");
    }
    return new Event((int) process, type, action, key, old, written, time);
  }

  private static long integer(JsonNode fields, String name) {
    JsonNode v = fields.get(name);
    if (v != null && v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    throw new HistoryFormatException(
        "\"" + name + "\" must be an integer but was " + (v == null ? "missing" : v));
  }

  private static String string(JsonNode fields, String name) {
    JsonNode v = fields.get(name);
    if (v != null && v.isTextual()) {
      return v.textValue();
    }
    throw new HistoryFormatException(
        "\"" + name + "\" must be a string but was " + (v == null ? "missing" : v));
  }

  private static @Nullable Long nullableLong(@Nullable JsonNode v, String name) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    throw new HistoryFormatException("\"" + name + "\" must be an integer or null but was " + v);
  }
}
