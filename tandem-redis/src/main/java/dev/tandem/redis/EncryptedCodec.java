package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.jspecify.annotations.Nullable;

/**
 * Encrypts and authenticates the bytes of another codec with AES-GCM (the JDK's JCA, no other
 * library), so that Redis, its backups and whoever reads them see neither the values nor can change
 * one unnoticed.
 *
 * <p><b>Envelope.</b> Each value is the version byte {@code 0xE1}, the length of the key id (one
 * byte), the key id (ASCII), a random 12-byte nonce, then the ciphertext with its 16-byte tag. The
 * version, length and key id are authenticated with the value (GCM's additional data).
 *
 * <p><b>Keys rotate.</b> One key, the {@linkplain Builder#encryptWith current} one, encrypts; every
 * key given to the builder decrypts, chosen by the id in the envelope. To rotate: deploy every node
 * with the new key {@linkplain Builder#decryptWith for decryption}, then make it current on every
 * node (the old one for decryption only), and drop the old key once the entries it encrypted have
 * been rewritten or have expired. With random nonces, encrypt at most 2<sup>32</sup> values under
 * one key (NIST SP 800-38D): rotate before.
 *
 * <p><b>Errors.</b> An envelope under a key id this codec does not know, one that does not
 * authenticate (tampered with, or encrypted under another key of the same id), or bytes that are no
 * envelope at all (e.g. an entry written before encryption was turned on) throw an {@link
 * IllegalArgumentException} naming the key id and never reach the other codec. A {@link RedisTier}
 * counts such an entry as a miss: the read goes to the database.
 *
 * <p><b>Limits.</b> The envelope does not name the Redis key: whoever can write to Redis can copy
 * one key's encrypted value to another key of the same tier, and can replay an older value of a
 * key. Compression before encryption ({@code EncryptedCodec.over(CompressedCodec.over(c).build())})
 * lets the stored length depend on the content.
 *
 * <p>The codec is immutable and thread-safe; its {@link #toString()} names the key ids, never a
 * key.
 *
 * @param <V> the value type
 */
public final class EncryptedCodec<V> implements Codec<V> {

  /** The first byte of every envelope: its format version. */
  static final byte VERSION = (byte) 0xE1;

  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  /**
   * Ciphers between calls, at most one per call that ran at the same time (see {@link #borrow()}).
   */
  private static final Queue<Cipher> CIPHERS = new ConcurrentLinkedQueue<>();

  private final Codec<V> inner;
  private final String currentId;

  /**
   * The current key's envelope header: version, id length, id (the additional data of every
   * encryption).
   */
  private final byte[] currentHeader;

  private final SecretKey currentKey;
  private final Map<String, SecretKey> keys;
  private final SecureRandom random;

  private EncryptedCodec(Builder<V> builder) {
    this.inner = builder.inner;
    this.currentId = requireNonNull(builder.currentId);
    this.currentHeader = header(currentId);
    this.keys = Map.copyOf(builder.keys);
    this.currentKey = requireNonNull(keys.get(currentId));
    this.random = new SecureRandom();
  }

  /** Returns a builder of a codec that encrypts the bytes of {@code inner}. */
  public static <V> Builder<V> over(Codec<V> inner) {
    return new Builder<>(requireNonNull(inner, "inner"));
  }

  /**
   * Returns the envelope of the other codec's bytes of {@code value}, encrypted under the current
   * key with a fresh random nonce.
   *
   * @throws IllegalArgumentException if the other codec fails
   * @throws IllegalStateException if the JDK cannot encrypt with AES-GCM
   */
  @Override
  public byte[] encode(V value) {
    byte[] plain = inner.encode(value);
    if (plain == null) {
      throw new IllegalArgumentException(inner + " encoded a value as null");
    }
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    int head = currentHeader.length + NONCE_BYTES;
    byte[] envelope = Arrays.copyOf(currentHeader, head + plain.length + TAG_BYTES);
    System.arraycopy(nonce, 0, envelope, currentHeader.length, NONCE_BYTES);
    Cipher cipher = borrow();
    try {
      cipher.init(Cipher.ENCRYPT_MODE, currentKey, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(currentHeader);
      int written = cipher.doFinal(plain, 0, plain.length, envelope, head);
      if (written != plain.length + TAG_BYTES) {
        throw new IllegalStateException("AES-GCM wrote " + written + " bytes for " + plain.length);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot encrypt with " + TRANSFORMATION + " under key '" + currentId + "'", e);
    }
    CIPHERS.offer(cipher);
    return envelope;
  }

  /**
   * Returns the value that the envelope {@code bytes} encrypts, decrypted under the key its id
   * names.
   *
   * @throws IllegalArgumentException if the bytes are no envelope of this codec, name a key id it
   *     does not know, or do not authenticate under that key; or what the other codec throws
   */
  @Override
  public V decode(byte[] bytes) {
    requireNonNull(bytes, "bytes");
    if (bytes.length < 2 || bytes[0] != VERSION) {
      throw new IllegalArgumentException(
          "the value is not encrypted by an EncryptedCodec ("
              + bytes.length
              + " bytes, first byte "
              + (bytes.length == 0 ? "none" : String.format("0x%02X", bytes[0] & 0xFF))
              + ")");
    }
    int idLength = bytes[1] & 0xFF;
    int head = 2 + idLength;
    if (bytes.length < head + NONCE_BYTES + TAG_BYTES) {
      throw new IllegalArgumentException(
          "an encrypted value of " + bytes.length + " bytes is truncated");
    }
    String id = new String(bytes, 2, idLength, StandardCharsets.US_ASCII);
    SecretKey key = keys.get(id);
    if (key == null) {
      throw new IllegalArgumentException(
          "the value is encrypted under key id '"
              + printable(id)
              + "', which this codec does not know (it knows "
              + keys.keySet().stream().sorted().toList()
              + ")");
    }
    byte[] plain;
    Cipher cipher = borrow();
    try {
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, bytes, head, NONCE_BYTES));
      cipher.updateAAD(bytes, 0, head);
      plain = cipher.doFinal(bytes, head + NONCE_BYTES, bytes.length - head - NONCE_BYTES);
      CIPHERS.offer(cipher);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException(
          "the value does not authenticate under key id '"
              + id
              + "': it was changed, or encrypted under another key of that id",
          e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot decrypt with " + TRANSFORMATION + " under key id '" + id + "'", e);
    }
    return inner.decode(plain);
  }

  /** Returns the id of the key that encrypts. */
  public String currentKeyId() {
    return currentId;
  }

  @Override
  public String toString() {
    return "EncryptedCodec{AES-GCM, current="
        + currentId
        + ", keys="
        + keys.keySet().stream().sorted().toList()
        + ", over "
        + inner
        + "}";
  }

  /**
   * Returns an idle cipher, or a new one: {@code Cipher.getInstance} costs about 20 times a
   * decryption of 100 bytes, and a cipher serves one call at a time. Every use initializes it
   * afresh (key, nonce), so nothing of an earlier call carries over; a cipher whose call failed is
   * not returned.
   */
  private static Cipher borrow() {
    Cipher idle = CIPHERS.poll();
    if (idle != null) {
      return idle;
    }
    try {
      return Cipher.getInstance(TRANSFORMATION);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + TRANSFORMATION, e);
    }
  }

  private static byte[] header(String id) {
    byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    byte[] header = new byte[2 + idBytes.length];
    header[0] = VERSION;
    header[1] = (byte) idBytes.length;
    System.arraycopy(idBytes, 0, header, 2, idBytes.length);
    return header;
  }

  /**
   * Returns {@code id} as a message may show it: what Redis holds is not trusted to be printable.
   */
  private static String printable(String id) {
    return KEY_ID.matcher(id).matches() ? id : "(" + id.length() + " bytes, not a valid key id)";
  }

  /**
   * Sets up an {@link EncryptedCodec}: exactly one current key, any number of keys that only
   * decrypt. Not thread-safe.
   *
   * @param <V> the value type
   */
  public static final class Builder<V> {

    private final Codec<V> inner;
    private final Map<String, SecretKey> keys = new LinkedHashMap<>();
    private @Nullable String currentId;

    private Builder(Codec<V> inner) {
      this.inner = inner;
    }

    /**
     * Sets the key that encrypts every value (and decrypts those it encrypted), under {@code id}.
     *
     * @param id the key's id, stored in every envelope: 1 to 64 characters of {@code A-Z a-z 0-9 .
     *     _ : -}
     * @param key an AES key of 128, 192 or 256 bits
     * @throws IllegalArgumentException if the id or the key is not valid
     * @throws IllegalStateException if the current key was already set, or {@code id} is taken
     */
    public Builder<V> encryptWith(String id, SecretKey key) {
      if (currentId != null) {
        throw new IllegalStateException(
            "current key was already set to key id '" + currentId + "'");
      }
      add(id, key);
      this.currentId = id;
      return this;
    }

    /**
     * Adds a key that only decrypts, under {@code id}: a previous key, kept while entries it
     * encrypted may remain, or the next one, deployed before it becomes current.
     *
     * @param id the key's id, as its envelopes name it: 1 to 64 characters of {@code A-Z a-z 0-9 .
     *     _ : -}
     * @param key an AES key of 128, 192 or 256 bits
     * @throws IllegalArgumentException if the id or the key is not valid
     * @throws IllegalStateException if {@code id} is taken
     */
    public Builder<V> decryptWith(String id, SecretKey key) {
      add(id, key);
      return this;
    }

    /**
     * Returns the codec.
     *
     * @throws IllegalStateException if no current key was set ({@link #encryptWith})
     */
    public EncryptedCodec<V> build() {
      if (currentId == null) {
        throw new IllegalStateException("no current key: call encryptWith(id, key)");
      }
      return new EncryptedCodec<>(this);
    }

    private void add(String id, SecretKey key) {
      requireNonNull(id, "id");
      requireNonNull(key, "key");
      if (!KEY_ID.matcher(id).matches()) {
        throw new IllegalArgumentException(
            "key id '" + id + "' is not 1 to 64 characters of A-Z a-z 0-9 . _ : -");
      }
      if (!"AES".equalsIgnoreCase(key.getAlgorithm())) {
        throw new IllegalArgumentException(
            "key id '" + id + "' is a " + key.getAlgorithm() + " key, not AES");
      }
      byte[] encoded = key.getEncoded();
      int length = encoded == null ? -1 : encoded.length;
      if (encoded != null) {
        Arrays.fill(encoded, (byte) 0);
      }
      if (length != 16 && length != 24 && length != 32) {
        throw new IllegalArgumentException(
            "key id '"
                + id
                + "' is not an AES key of 128, 192 or 256 bits ("
                + (length < 0 ? "its bytes are not available" : length * 8 + " bits")
                + ")");
      }
      if (keys.containsKey(id)) {
        throw new IllegalStateException("key id '" + id + "' was already set");
      }
      keys.put(id, key);
    }
  }
}
