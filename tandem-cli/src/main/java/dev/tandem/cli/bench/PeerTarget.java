package dev.tandem.cli.bench;

import dev.tandem.cli.peers.PeerMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A peer ({@link dev.tandem.cli.peers.Peer}) as a compared system: its reads and writes, counting
 * its loads.
 */
final class PeerTarget implements BenchTarget {

  private final PeerMap peer;
  private final LongAdder reads = new LongAdder();

  PeerTarget(PeerMap peer) {
    this.peer = peer;
  }

  @Override
  public @Nullable String read(String key) {
    reads.increment();
    return peer.get(key);
  }

  @Override
  public void write(String key, String value) {
    peer.put(key, value);
  }

  @Override
  public CacheCounts cacheCounts() {
    long loads = peer.bridge().loads();
    return new CacheCounts(Math.max(0, reads.sum() - loads), loads);
  }

  @Override
  public void close() {
    peer.close();
  }
}
