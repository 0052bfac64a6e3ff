package dev.tandem.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file where a tier under the {@link WritePolicy#AVAILABLE} policy records each Redis key it
 * let a write go to the database without fencing: one Base64 line per key, appended and forced to
 * the disk before the write proceeds. It survives a crash of the node: a tier opened on the same
 * file repairs the keys before its first use of Redis. Thread-safe.
 *
 * <p><b>Damage.</b> A crash in the middle of an append leaves a last line without its newline: that
 * record was never forced, so its write never went ahead; opening the journal cuts it off. A
 * complete line that is not Base64 (damage from outside) names no key that can be repaired: it is
 * skipped, counted ({@link #skipped()}) and logged, and the repair goes on with the other keys.
 *
 * <p><b>One tier per file.</b> The journal holds an exclusive lock on its file from opening to
 * {@link #close()}: a second tier on the same file, in this process or another, is refused. Within
 * this process the refusal comes before the second tier opens the file at all (closing any channel
 * of a file releases the process's locks on it, on Linux).
 */
final class RepairJournal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RepairJournal.class);

  /** The real paths of the journals open in this process. */
  private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final Path realPath;
  private final FileChannel channel;
  private final FileLock lock;
  private long repairs;

  /**
   * Records waiting for repair (a key recorded twice counts twice); read without the lock by
   * meters.
   */
  private volatile long pending;

  /** Lines that were not a record, seen by the last read of the file. */
  private volatile long skipped;

  /**
   * Opens the journal at {@code path}, creating it and its folder if needed, cuts off a torn last
   * line and locks the file.
   *
   * @throws IllegalStateException if another tier, in this or another process, has the file open
   * @throws UncheckedIOException if the file cannot be created, read or locked
   */
  RepairJournal(Path path) {
    this.path = path;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(path);
      } catch (FileAlreadyExistsException e) {
        // a journal left by an earlier tier: its keys are repaired at connect
      }
      this.realPath = path.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the repair journal " + path, e);
    }
    if (!OPEN.add(realPath)) {
      throw inUse();
    }
    FileChannel opened = null;
    try {
      opened = FileChannel.open(realPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock locked;
      try {
        locked = opened.tryLock();
      } catch (OverlappingFileLockException e) {
        locked = null;
      }
      if (locked == null) {
        throw inUse();
      }
      this.channel = opened;
      this.lock = locked;
      cutTornTail();
      channel.position(channel.size());
      pending = records().size(); // left by a node that stopped before it could repair them
    } catch (IOException | RuntimeException e) {
      OPEN.remove(realPath);
      if (opened != null) {
        try {
          opened.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("could not open the repair journal " + path, io);
      }
      throw (RuntimeException) e;
    }
  }

  private IllegalStateException inUse() {
    return new IllegalStateException(
        "the repair journal "
            + path
            + " is in use by another Redis tier (in this or"
            + " another process): give each tier its own repair journal file");
  }

  /**
   * Appends {@code redisKey} and forces it to the disk; returns the {@linkplain #repairs() repair
   * count} at which it was recorded.
   *
   * @throws UncheckedIOException if the journal cannot be written: the write must then be refused
   */
  synchronized long record(byte[] redisKey) {
    byte[] line =
        (Base64.getEncoder().encodeToString(redisKey) + "\n").getBytes(StandardCharsets.US_ASCII);
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

  /**
   * Returns how many repairs emptied the journal: a record made before the count changed was
   * repaired.
   */
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
    if (keys.isEmpty() && skipped == 0) {
      return;
    }
    if (!keys.isEmpty()) {
      repair.accept(keys);
    }
    try {
      channel.truncate(0);
      channel.position(0);
      channel.force(true);
      repairs++;
      pending = 0;
      skipped = 0;
    } catch (IOException e) {
      throw new UncheckedIOException("could not empty the repair journal " + path, e);
    }
  }

  /** Returns how many records wait for repair (a key recorded twice counts twice); never blocks. */
  long pending() {
    return pending;
  }

  /**
   * Returns how many lines of the file the last read skipped because they were not a record; never
   * blocks.
   */
  long skipped() {
    return skipped;
  }

  /** Returns the recorded keys, each once, in the order first recorded. */
  synchronized List<byte[]> recorded() {
    try {
      Map<String, byte[]> keys = new LinkedHashMap<>();
      for (Record record : records()) {
        keys.putIfAbsent(record.line(), record.key());
      }
      return new ArrayList<>(keys.values());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the repair journal " + path, e);
    }
  }

  /** A line of the journal and the key it records. */
  private record Record(String line, byte[] key) {}

  /**
   * Returns the journal's records in the order made (repeats included), skipping (counting and
   * logging) lines that are not Base64. Reads through the locked channel: opening and closing
   * another one would release the lock.
   */
  private List<Record> records() throws IOException {
    List<Record> records = new ArrayList<>();
    long bad = 0;
    int lineNumber = 0;
    int firstBad = 0;
    String text = new String(contents(), StandardCharsets.US_ASCII);
    for (String line : text.split("\n", -1)) {
      lineNumber++;
      String stripped = line.strip();
      if (stripped.isEmpty()) {
        continue;
      }
      try {
        records.add(new Record(stripped, Base64.getDecoder().decode(stripped)));
      } catch (IllegalArgumentException e) {
        bad++;
        firstBad = firstBad == 0 ? lineNumber : firstBad;
      }
    }
    if (bad > 0 && bad != skipped) {
      log.warn(
          "the repair journal {} has {} lines that are not a record (the first is line {}): they are skipped; the"
              + " keys they named, if any, cannot be repaired (invalidate them, or every entry of the tier, to be sure)",
          path,
          bad,
          firstBad);
    }
    skipped = bad;
    return records;
  }

  /**
   * Cuts off a last line without its newline: an append that a crash interrupted before it was
   * forced.
   */
  private void cutTornTail() throws IOException {
    byte[] bytes = contents();
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    if (end < bytes.length) {
      channel.truncate(end);
      channel.force(true);
      log.warn(
          "the repair journal {} ended in a torn record of {} bytes (a crash while appending it, before its write"
              + " went ahead): cut off",
          path,
          bytes.length - end);
    }
  }

  /** Returns the whole file, read through the channel. */
  private byte[] contents() throws IOException {
    long size = channel.size();
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException(
          "the repair journal " + path + " has " + size + " bytes, too many to read");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) size);
    while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
      // read on: a positional read may return fewer bytes than asked
    }
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  Path path() {
    return path;
  }

  @Override
  public synchronized void close() {
    if (!channel.isOpen()) {
      return;
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // nothing was pending: every record was forced when made
    } finally {
      OPEN.remove(realPath);
    }
  }
}
