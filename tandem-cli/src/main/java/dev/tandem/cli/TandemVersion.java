package dev.tandem.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The answer to {@code tandem --version}: the Maven project version, stamped in at build time. */
public final class TandemVersion implements IVersionProvider {

  private static final String RESOURCE = "version.properties";

  /** Creates the provider; picocli calls this. */
  public TandemVersion() {}

  /** Returns the project version, for example {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    try (InputStream in = TandemVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "resource " + RESOURCE + " is missing from the tandem-cli jar");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the version lines: Tandem's version and the Java runtime it runs on. */
  @Override
  public String[] getVersion() {
    return new String[] {
      "tandem " + version(),
      "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"
    };
  }
}
