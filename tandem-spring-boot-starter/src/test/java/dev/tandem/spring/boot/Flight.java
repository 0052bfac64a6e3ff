package dev.tandem.spring.boot;

/** A row of the test table {@code flight}; public, as an application's value type would be. */
public record Flight(String origin, int delayMinutes) {}
