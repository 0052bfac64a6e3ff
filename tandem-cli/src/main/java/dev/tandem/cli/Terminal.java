package dev.tandem.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Help.Ansi.Style;

/**
 * What the output can show: colour (ANSI escapes) only on a terminal, and Unicode symbols only
 * where the output encoding has them. Every styling method returns its text unchanged when colour
 * is off.
 */
public final class Terminal {

  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

  private final boolean colour;
  private final boolean unicode;

  private Terminal(boolean colour, boolean unicode) {
    this.colour = colour;
    this.unicode = unicode;
  }

  /**
   * Detects the standard output: colour when picocli's heuristics enable ANSI escapes (a terminal,
   * or {@code picocli.ansi=true}, {@code CLICOLOR_FORCE}), {@code NO_COLOR} is unset or empty,
   * {@code TERM} is not {@code dumb} and {@code noColour} is false; Unicode when its encoding can
   * print the symbols used.
   */
  public static Terminal detect(boolean noColour) {
    String noColorVariable = System.getenv("NO_COLOR");
    boolean colour =
        !noColour
            && (noColorVariable == null || noColorVariable.isEmpty())
            && !"dumb".equals(System.getenv("TERM"))
            && Ansi.AUTO.enabled();
    return new Terminal(colour, stdoutCharset().newEncoder().canEncode("µ→✓✗─"));
  }

  /** Returns a terminal without colour, with or without Unicode symbols; for tests and logs. */
  public static Terminal plain(boolean unicode) {
    return new Terminal(false, unicode);
  }

  /** Returns a terminal with the given capabilities; for tests. */
  static Terminal of(boolean colour, boolean unicode) {
    return new Terminal(colour, unicode);
  }

  /**
   * Returns whether the standard output is a terminal (not a file or a pipe), whatever the colour
   * settings: live progress is drawn only there.
   */
  public static boolean stdoutIsTerminal() {
    return isTerminal();
  }

  /** Returns the encoding of the standard output. */
  static Charset stdoutCharset() {
    String name = System.getProperty("stdout.encoding", System.getProperty("native.encoding"));
    try {
      return name == null ? Charset.defaultCharset() : Charset.forName(name);
    } catch (IllegalArgumentException e) {
      return Charset.defaultCharset();
    }
  }

  private static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    // Since Java 22 System.console() also answers when the output is redirected; isTerminal()
    // tells the two apart. This code is compiled for Java 21, hence the reflection.
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // Java 21: a console exists only on a terminal
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** Returns whether colour is on. */
  public boolean colour() {
    return colour;
  }

  /** Returns whether Unicode symbols are used. */
  public boolean unicode() {
    return unicode;
  }

  /** Returns {@code text} in bold. */
  public String bold(String text) {
    return style(Style.bold, text);
  }

  /** Returns {@code text} dimmed, for secondary information. */
  public String dim(String text) {
    return style(Style.faint, text);
  }

  /** Returns {@code text} in green, for success. */
  public String green(String text) {
    return style(Style.fg_green, text);
  }

  /** Returns {@code text} in red, for failure. */
  public String red(String text) {
    return style(Style.fg_red, text);
  }

  /** Returns {@code text} in yellow, for what changed. */
  public String yellow(String text) {
    return style(Style.fg_yellow, text);
  }

  /** Returns {@code text} in cyan, for SQL and commands. */
  public String cyan(String text) {
    return style(Style.fg_cyan, text);
  }

  /** Returns a check mark. */
  public String check() {
    return unicode ? "✓" : "ok";
  }

  /** Returns a cross. */
  public String cross() {
    return unicode ? "✗" : "x";
  }

  /** Returns a right arrow. */
  public String arrow() {
    return unicode ? "→" : "->";
  }

  /** Returns a left arrow, pointing at what changed. */
  public String leftArrow() {
    return unicode ? "←" : "<-";
  }

  /** Returns a horizontal rule of {@code width} characters. */
  public String rule(int width) {
    return (unicode ? "─" : "-").repeat(Math.max(0, width));
  }

  /** Returns a latency in a unit and precision that suit it, for example "3.25 µs" or "1.40 ms". */
  public String latency(long nanos) {
    return LatencyFormat.format(nanos, unicode ? "µs" : "us");
  }

  /** Returns how many columns {@code text} occupies: its length without ANSI escapes. */
  public static int width(String text) {
    String plain = ANSI.matcher(text).replaceAll("");
    return plain.codePointCount(0, plain.length());
  }

  private String style(Style style, String text) {
    return colour ? style.on() + text + style.off() : text;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "Terminal{colour=%s, unicode=%s}", colour, unicode);
  }
}
