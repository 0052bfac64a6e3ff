package dev.tandem.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration as people write it on a command line: {@code 500ms}, {@code 20s}, {@code 2m},
 * {@code 1h}, a plain number of seconds, or ISO-8601 ({@code PT20S}). Every command's duration
 * options use it. Stateless, so safe for concurrent use.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

  private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

  /** Creates the converter; picocli calls this. */
  public DurationConverter() {}

  /**
   * Returns the duration {@code value} names.
   *
   * @throws TypeConversionException if it is none of the forms above; picocli reports it as a usage
   *     error naming the option
   */
  @Override
  public Duration convert(String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(text);
    if (m.matches()) {
      double amount = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      double nanos =
          switch (unit) {
            case "ms" -> amount * 1e6;
            case "s" -> amount * 1e9;
            case "m" -> amount * 60e9;
            default -> amount * 3600e9;
          };
      return Duration.ofNanos(Math.round(nanos));
    }
    try {
      return Duration.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration (write for example 500ms, 20s, 2m)");
    }
  }
}
