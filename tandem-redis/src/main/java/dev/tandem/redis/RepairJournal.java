package dev.tandem.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The file where a tier under the {@link WritePolicy#AVAILABLE} policy records each Redis key it
 * let a write go to the database without fencing: one Base64 line per key, appended and forced to
 * the disk before the write proceeds. It survives a crash of the node: a tier opened on the same
 * file repairs the keys before its first use of Redis. Thread-safe.
 */
final class RepairJournal implements AutoCloseable {

  private final Path path;
  private final FileChannel channel;
  private long repairs;
  /** Records waiting for repair (a key recorded twice counts twice); read without the lock by meters. */
  private volatile long pending;

  RepairJournal(Path path) {
    this.path = path;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      channel.position(channel.size());
      pending = records().size(); // left by a node that stopped before it could repair them
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the repair journal " + path, e);
    }
  }

  /**
   * Appends {@code redisKey} and forces it to the disk; returns the {@linkplain #repairs() repair
   * count} at which it was recorded.
   *
   * @throws UncheckedIOException if the journal cannot be written: the write must then be refused
   */
  synchronized long record(byte[] redisKey) {
    byte[] line = (Base64.getEncoder().encodeToString(redisKey) + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      ByteBuffer buffer = ByteBuffer.wrap(line);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("could not record a key in the repair journal " + path, e);
    }
    pending++;
    return repairs;
  }

  /** Returns how many repairs emptied the journal: a record made before the count changed was repaired. */
  synchronized long repairs() {
    return repairs;
  }

  /**
   * Hands every recorded key (once each) to {@code repair} and empties the journal if it returns
   * normally; records made meanwhile wait. Does nothing if the journal is empty.
   *
   * @throws RuntimeException what {@code repair} throws; the journal then keeps every key
   */
  synchronized void repair(Consumer<List<byte[]>> repair) {
    List<byte[]> keys = recorded();
    if (keys.isEmpty()) {
      return;
    }
    repair.accept(keys);
    try {
      channel.truncate(0);
      channel.position(0);
      channel.force(true);
      repairs++;
      pending = 0;
    } catch (IOException e) {
      throw new UncheckedIOException("could not empty the repair journal " + path, e);
    }
  }

  /** Returns how many records wait for repair (a key recorded twice counts twice); never blocks. */
  long pending() {
    return pending;
  }

  /** Returns the recorded keys, each once, in the order first recorded. */
  synchronized List<byte[]> recorded() {
    try {
      Set<String> lines = new LinkedHashSet<>(records());
      List<byte[]> keys = new ArrayList<>(lines.size());
      for (String line : lines) {
        keys.add(Base64.getDecoder().decode(line));
      }
      return keys;
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException("could not read the repair journal " + path, e);
    }
  }

  /** Returns the journal's records, one Base64 key each, in the order made (repeats included). */
  private List<String> records() throws IOException {
    List<String> records = new ArrayList<>();
    for (String line : Files.readAllLines(path, StandardCharsets.US_ASCII)) {
      if (!line.isBlank()) {
        records.add(line.strip());
      }
    }
    return records;
  }

  Path path() {
    return path;
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing was pending: every record was forced when made
    }
  }
}
