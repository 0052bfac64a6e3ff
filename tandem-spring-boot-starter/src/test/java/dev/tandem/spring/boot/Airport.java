package dev.tandem.spring.boot;

/** A row of the test table {@code airport}, keyed by its code. */
public record Airport(String city) {}
