package dev.tandem.examples.flights;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** Starts the application on a random port and calls it over HTTP, as a client would. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FlightsApplicationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Value("${local.server.port}")
  int port;

  @Autowired DataSource dataSource;

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return CLIENT.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
  }

  private HttpResponse<String> post(String path, String json)
      throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private String departureInDatabase(long id) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT departure FROM flight WHERE flight_id = " + id)) {
      rs.next();
      return rs.getObject(1, java.time.LocalDateTime.class).toString();
    }
  }

  @Test
  void readsAFlightAndDelaysItWriteThrough() throws Exception {
    HttpResponse<String> flight = get("/flights/2");
    assertThat(flight.statusCode()).isEqualTo(200);
    assertThat(flight.body())
        .contains("\"flightNo\":\"NV1382\"", "\"departure\":\"2026-12-08T08:10:00\"");

    HttpResponse<String> delayed = post("/flights/2/delay", "{\"minutes\": 45}");
    assertThat(delayed.statusCode()).isEqualTo(200);
    assertThat(delayed.body())
        .contains("\"departure\":\"2026-12-08T08:55:00\"", "\"arrival\":\"2026-12-08T09:50:00\"");
    assertThat(departureInDatabase(2)).isEqualTo("2026-12-08T08:55"); // committed before the answer

    assertThat(get("/flights/2").body()).contains("\"departure\":\"2026-12-08T08:55:00\"");
  }

  @Test
  void anUnknownFlightIsNotFound() throws Exception {
    assertThat(get("/flights/999").statusCode()).isEqualTo(404);
    assertThat(post("/flights/999/delay", "{\"minutes\": 5}").statusCode()).isEqualTo(404);
  }

  @Test
  void actuatorShowsTandemsHealthCachesAndMeters() throws Exception {
    get("/flights/1");
    HttpResponse<String> health = get("/actuator/health");
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode tandem = JSON.readTree(health.body()).path("components").path("tandem");
    assertThat(tandem.path("status").asText()).isEqualTo("UP");
    assertThat(tandem.path("details").path("database").asText()).isEqualTo("reachable");
    assertThat(tandem.path("details").path("caches").path("flights").path("tier").asText())
        .isEqualTo("local");

    HttpResponse<String> caches = get("/actuator/caches");
    assertThat(
            JSON.readTree(caches.body())
                .path("cacheManagers")
                .path("cacheManager")
                .path("caches")
                .path("flights")
                .path("target")
                .asText())
        .startsWith("dev.tandem.");

    HttpResponse<String> gets = get("/actuator/metrics/tandem.gets");
    assertThat(gets.statusCode()).isEqualTo(200);
    assertThat(gets.body()).contains("\"cache\"", "\"flights\"");
  }
}
