package dev.tandem.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.redis.Codec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;

/**
 * How the demo stores a {@link Flight} in Redis: a JSON object with the row's value columns, times
 * as ISO-8601 text, for example {@code
 * {"flightno":"NV1170","from":12,...,"departure":"2025-10-03T07:15"}}, readable in {@code
 * redis-cli} and in the {@code --verbose} trace. Immutable and thread-safe.
 */
final class FlightJson {

  /** The codec of the demo's Redis tier. */
  static final Codec<Flight> CODEC = Codec.of(FlightJson::encode, FlightJson::decode);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private FlightJson() {}

  static byte[] encode(Flight flight) {
    ObjectNode json =
        MAPPER
            .createObjectNode()
            .put("flightno", flight.flightNo())
            .put("from", flight.from())
            .put("to", flight.to())
            .put("airline_id", flight.airlineId())
            .put("departure", flight.departure().toString())
            .put("arrival", flight.arrival().toString());
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Returns the flight {@code bytes} encode.
   *
   * @throws IllegalArgumentException if they are not a flight of this form
   */
  static Flight decode(byte[] bytes) {
    try {
      JsonNode json = MAPPER.readTree(bytes);
      return new Flight(
          text(json, "flightno"),
          json.required("from").intValue(),
          json.required("to").intValue(),
          json.required("airline_id").intValue(),
          LocalDateTime.parse(text(json, "departure")),
          LocalDateTime.parse(text(json, "arrival")));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not a flight: " + new String(bytes, StandardCharsets.UTF_8), e);
    }
  }

  private static String text(JsonNode json, String field) {
    return json.required(field).asText();
  }
}
