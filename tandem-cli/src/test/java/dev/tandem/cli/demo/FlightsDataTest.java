package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlightsDataTest {

  private final FlightsData data = FlightsData.generate();

  @Test
  void theSameSeedGivesTheSameData() {
    assertThat(FlightsData.generate()).isEqualTo(data);
  }

  @Test
  void hasTheAdvertisedSizeAndFlight115() {
    assertThat(data.airports()).hasSize(FlightsData.AIRPORTS);
    assertThat(data.airlines()).hasSize(FlightsData.AIRLINES);
    assertThat(data.flights()).hasSize(FlightsData.FLIGHTS).hasSizeGreaterThanOrEqualTo(115);
  }

  @Test
  void codesAreUniqueAndWellFormed() {
    Set<String> airportCodes = new HashSet<>();
    for (FlightsData.Airport airport : data.airports()) {
      assertThat(airport.iata()).matches("[A-Z]{3}");
      assertThat(airportCodes.add(airport.iata())).as("unique %s", airport.iata()).isTrue();
      assertThat(airport.name()).startsWith(airport.city() + " ");
    }
    Set<String> airlineCodes = new HashSet<>();
    for (FlightsData.Airline airline : data.airlines()) {
      assertThat(airline.iata()).matches("[A-Z][A-Z0-9]");
      assertThat(airlineCodes.add(airline.iata())).as("unique %s", airline.iata()).isTrue();
    }
  }

  @Test
  void flightsConnectTwoAirportsOfTheirAirlineAndTakeAPlausibleTime() {
    for (Flight flight : data.flights()) {
      assertThat(flight.from()).isNotEqualTo(flight.to()).isBetween(1, FlightsData.AIRPORTS);
      assertThat(flight.to()).isBetween(1, FlightsData.AIRPORTS);
      assertThat(flight.airlineId()).isBetween(1, FlightsData.AIRLINES);
      assertThat(flight.flightNo())
          .startsWith(data.airlines().get(flight.airlineId() - 1).iata())
          .matches("[A-Z0-9]{2}\\d{1,4}");
      long minutes = java.time.Duration.between(flight.departure(), flight.arrival()).toMinutes();
      assertThat(minutes).isBetween(40L, 17 * 60L);
      assertThat(flight.departure().getMinute() % 5).isZero();
    }
  }
}
