package dev.tandem.cli.torture;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --duration}: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, plain seconds, or ISO-8601. */
final class DurationConverter implements ITypeConverter<Duration> {

  private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

  /** Creates the converter; picocli calls this. */
  DurationConverter() {}

  @Override
  public Duration convert(String value) {
    Matcher m = SHORT.matcher(value.strip().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      double amount = Double.parseDouble(m.group(1));
      double nanosPerUnit = switch (m.group(2) == null ? "s" : m.group(2)) {
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      return Duration.ofNanos(Math.round(amount * nanosPerUnit));
    }
    try {
      return Duration.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw new TypeConversionException("'" + value + "' is not a duration (for example 500ms, 30s, 2m)");
    }
  }
}
