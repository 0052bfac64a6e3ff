package dev.tandem.examples.flights;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application on Tandem: flights read and delayed over HTTP, cached write-through by
 * the {@code Tandem<Long, Flight>} that tandem-spring-boot-starter builds from {@code
 * application.properties}, on an embedded H2 database.
 */
@SpringBootApplication
public class FlightsApplication {

  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(FlightsApplication.class, args);
  }
}
