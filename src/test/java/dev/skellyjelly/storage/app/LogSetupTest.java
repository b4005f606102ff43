package dev.skellyjelly.storage.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The logging the module sets up in code is exactly what conf/logback.xml describes. */
class LogSetupTest {

  private static final Path CONF = Path.of("..", "conf", "logback.xml");

  @Test
  void theBuiltInLoggingIsWhatConfLogbackXmlSays() throws Exception {
    assertTrue(Files.isRegularFile(CONF), CONF.toAbsolutePath().toString());
    LoggerContext built = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(built);
    assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, setup.configure(built));

    LoggerContext fromXml = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(fromXml);
    joran.doConfigure(CONF.toFile());

    assertEquals(describe(fromXml), describe(built));
    // And what that is: everything to stderr, stdout left to the final JSON line.
    assertEquals(List.of("ROOT INFO", "com.hazelcast ERROR", "io.netty WARN",
      "STDERR System.err " + LogSetup.PATTERN), describe(built));
  }

  /** Levels of the loggers either side may set, and the root's appenders with their target and pattern. */
  private static List<String> describe(LoggerContext context) {
    List<String> out = new ArrayList<>();
    for (String name : List.of(Logger.ROOT_LOGGER_NAME, "com.hazelcast", "io.netty")) {
      Level level = context.getLogger(name).getLevel();
      out.add(name + " " + level);
    }
    for (var it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> a = it.next();
      ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) a;
      out.add(a.getName() + " " + console.getTarget() + " " + ((PatternLayoutEncoder) console.getEncoder()).getPattern());
    }
    return out;
  }
}
