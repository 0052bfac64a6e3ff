package dev.tandem.cli.demo;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The demo's flights data, generated from a fixed seed so that every run on every machine gets the
 * same airports, airlines and flights (flight 115 included).
 *
 * <p>Places are invented: city names are built from syllables, airports get coordinates, and a
 * flight's duration follows from the great-circle distance at airliner speed plus taxi time. Every
 * airline has a hub that most of its flights touch.
 *
 * @param airports the airports, ids from 1
 * @param airlines the airlines, ids from 1
 * @param flights the flights, ids from 1 (the first in the list has id 1)
 */
record FlightsData(List<Airport> airports, List<Airline> airlines, List<Flight> flights) {

  /** The seed of the data every demo database holds. */
  static final long SEED = 20251001L;

  /** How many airports, airlines and flights the demo database holds. */
  static final int AIRPORTS = 300;

  static final int AIRLINES = 80;

  static final int FLIGHTS = 6_000;

  private static final LocalDateTime FIRST_DAY = LocalDateTime.of(2025, 10, 1, 0, 0);
  private static final int DAYS = 28;

  private static final String[] ONSETS = {
    "Al", "Bel", "Bran", "Cal", "Cor", "Dal", "Del", "Dun", "El", "Es", "Fal", "Fen", "Gil", "Gran",
        "Hal", "Har",
    "Is", "Jor", "Kar", "Kel", "Lin", "Lor", "Mar", "Mon", "Nes", "Nor", "Ord", "Os", "Pal", "Por",
        "Quin", "Ral",
    "Ros", "San", "Sel", "Tam", "Tor", "Ul", "Val", "Ver", "Wes", "Yar", "Zan"
  };
  private static final String[] LINKS = {
    "", "", "", "a", "e", "i", "o", "an", "en", "or", "ar", "il"
  };
  private static final String[] ENDINGS = {
    "burg", "by", "dale", "field", "ford", "gate", "haven", "holm", "ley", "lund", "mere", "mouth",
    "port", "rock", "sand", "stad", "ton", "vik", "wick", "bridge"
  };
  private static final String[] AIRPORT_KINDS = {
    "International",
    "International",
    "International",
    "Regional",
    "Airport",
    "Municipal",
    "Airfield"
  };
  private static final String[] AIRLINE_WORDS = {
    "Aurora",
    "Bluebird",
    "Coastal",
    "Horizon",
    "Meridian",
    "Northwind",
    "Polar",
    "Skyline",
    "Starling",
    "Summit",
    "Sunrise",
    "Tradewind",
    "Zephyr",
    "Kestrel",
    "Silverline",
    "Crosswind"
  };

  /** An airport; latitude and longitude only shape flight durations and are not stored. */
  record Airport(
      int id, String iata, String name, String city, double latitude, double longitude) {}

  /** An airline and the airport most of its flights touch. */
  record Airline(int id, String iata, String name, int hub) {}

  /** Generates the demo data from {@link #SEED}. */
  static FlightsData generate() {
    return generate(new Random(SEED), AIRPORTS, AIRLINES, FLIGHTS);
  }

  /** Generates data of the given size; the same random sequence gives the same data. */
  static FlightsData generate(Random random, int airportCount, int airlineCount, int flightCount) {
    List<Airport> airports = airports(random, airportCount);
    List<Airline> airlines = airlines(random, airlineCount, airports);
    List<Flight> flights = new ArrayList<>(flightCount);
    for (int i = 0; i < flightCount; i++) {
      flights.add(flight(random, airports, airlines));
    }
    return new FlightsData(List.copyOf(airports), List.copyOf(airlines), List.copyOf(flights));
  }

  private static List<Airport> airports(Random random, int count) {
    Set<String> cities = new LinkedHashSet<>();
    while (cities.size() < count) {
      cities.add(cityName(random));
    }
    Set<String> codes = new HashSet<>();
    List<Airport> airports = new ArrayList<>(count);
    int id = 1;
    for (String city : cities) {
      String iata = airportCode(random, city, codes);
      String kind = AIRPORT_KINDS[random.nextInt(AIRPORT_KINDS.length)];
      // Uniform on the sphere between 50°S and 65°N, where most airports are.
      double latitude =
          Math.toDegrees(
              Math.asin(
                  between(random, Math.sin(Math.toRadians(-50)), Math.sin(Math.toRadians(65)))));
      double longitude = between(random, -180, 180);
      airports.add(new Airport(id++, iata, city + " " + kind, city, latitude, longitude));
    }
    return airports;
  }

  private static String cityName(Random random) {
    String name =
        ONSETS[random.nextInt(ONSETS.length)]
            + LINKS[random.nextInt(LINKS.length)]
            + ENDINGS[random.nextInt(ENDINGS.length)];
    return name.replace("aa", "a").replace("ee", "e").replace("ii", "i").replace("oo", "o");
  }

  /** Like real codes, mostly letters of the city's name; random letters when those are taken. */
  private static String airportCode(Random random, String city, Set<String> taken) {
    String letters = city.toUpperCase(Locale.ROOT).replaceAll("[^A-Z]", "");
    for (int attempt = 0; attempt < 20; attempt++) {
      int second = 1 + random.nextInt(letters.length() - 2);
      int third = second + 1 + random.nextInt(letters.length() - second - 1);
      String code = "" + letters.charAt(0) + letters.charAt(second) + letters.charAt(third);
      if (taken.add(code)) {
        return code;
      }
    }
    while (true) {
      String code = "" + letters.charAt(0) + letter(random) + letter(random);
      if (taken.add(code)) {
        return code;
      }
    }
  }

  private static List<Airline> airlines(Random random, int count, List<Airport> airports) {
    Set<String> names = new HashSet<>();
    Set<String> codes = new HashSet<>();
    List<Airline> airlines = new ArrayList<>(count);
    while (airlines.size() < count) {
      Airport hub = airports.get(random.nextInt(airports.size()));
      String name =
          switch (random.nextInt(5)) {
            case 0 -> hub.city() + " Air";
            case 1 -> "Air " + hub.city();
            case 2 -> hub.city() + " Airways";
            case 3 -> AIRLINE_WORDS[random.nextInt(AIRLINE_WORDS.length)] + " Airlines";
            default -> AIRLINE_WORDS[random.nextInt(AIRLINE_WORDS.length)] + " " + hub.city();
          };
      if (!names.add(name)) {
        continue;
      }
      String code;
      do {
        code =
            ""
                + name.charAt(0)
                + (random.nextInt(4) == 0 ? (char) ('0' + random.nextInt(10)) : letter(random));
      } while (!codes.add(code));
      airlines.add(new Airline(airlines.size() + 1, code, name, hub.id()));
    }
    return airlines;
  }

  private static Flight flight(Random random, List<Airport> airports, List<Airline> airlines) {
    Airline airline = airlines.get(random.nextInt(airlines.size()));
    Airport from;
    Airport to;
    do {
      Airport hub = airports.get(airline.hub() - 1);
      Airport other = airports.get(random.nextInt(airports.size()));
      boolean viaHub = random.nextInt(10) < 6;
      boolean outbound = random.nextBoolean();
      from = viaHub && outbound ? hub : other;
      to = viaHub && !outbound ? hub : airports.get(random.nextInt(airports.size()));
    } while (from.id() == to.id() || distanceKm(from, to) > 13_000 || distanceKm(from, to) < 150);
    int number = 1 + random.nextInt(random.nextInt(4) == 0 ? 99 : 9_999);
    LocalDateTime departure = FIRST_DAY.plusMinutes(5L * random.nextInt(DAYS * 24 * 12));
    return new Flight(
        airline.iata() + number,
        from.id(),
        to.id(),
        airline.id(),
        departure,
        departure.plus(duration(from, to)));
  }

  /** Taxi and climb, then 820 km/h, rounded to five minutes. */
  private static Duration duration(Airport from, Airport to) {
    long minutes = 35 + Math.round(distanceKm(from, to) / 820.0 * 60);
    return Duration.ofMinutes((minutes + 2) / 5 * 5);
  }

  private static double distanceKm(Airport a, Airport b) {
    double lat1 = Math.toRadians(a.latitude());
    double lat2 = Math.toRadians(b.latitude());
    double dLat = lat2 - lat1;
    double dLon = Math.toRadians(b.longitude() - a.longitude());
    double h =
        Math.sin(dLat / 2) * Math.sin(dLat / 2)
            + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6_371 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /** Only methods whose algorithm Random specifies, so the data never changes with the JDK. */
  private static double between(Random random, double low, double high) {
    return low + random.nextDouble() * (high - low);
  }

  private static char letter(Random random) {
    return (char) ('A' + random.nextInt(26));
  }
}
