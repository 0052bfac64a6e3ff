package dev.tandem.cli.bench;

import java.util.random.RandomGenerator;

/**
 * Values a thread writes: a few random printable strings of the configured size, made up front so
 * that no time is spent making values while measuring. Not thread-safe: one per thread.
 */
final class ValuePool {

  private static final String ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final int SIZE = 32;

  private final String[] values = new String[SIZE];
  private int next;

  ValuePool(int valueSize, RandomGenerator random) {
    for (int i = 0; i < SIZE; i++) {
      values[i] = randomValue(valueSize, random);
    }
  }

  /** Returns a random string of {@code size} letters and digits. */
  static String randomValue(int size, RandomGenerator random) {
    char[] chars = new char[size];
    for (int i = 0; i < size; i++) {
      chars[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
    }
    return new String(chars);
  }

  /** Returns the next value, cycling through the pool. */
  String next() {
    String value = values[next];
    next = (next + 1) % SIZE;
    return value;
  }
}
