package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.SettableClock;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One warning per reason per minute, saying how many were held back. */
class RateLimitedLogTest {

  @Test
  void oneLinePerReasonPerMinuteWithTheCountHeldBack() {
    List<String> lines = new ArrayList<>();
    org.slf4j.Logger logger = (org.slf4j.Logger) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[]{org.slf4j.Logger.class}, (proxy, method, args) -> {
        if (method.getName().equals("warn") && args.length == 1) {
          lines.add((String) args[0]);
        }
        return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
      });
    SettableClock clock = new SettableClock(Instant.parse("2026-11-26T10:00:00Z").toEpochMilli());
    RateLimitedLog log = new RateLimitedLog(logger, clock);
    for (int i = 0; i < 1_000; i++) {
      log.warn("idle", "closed idle " + i);
      log.warn("oversize", "oversize " + i);
    }
    assertEquals(List.of("closed idle 0", "oversize 0"), lines);
    clock.advance(59_999);
    log.warn("idle", "closed idle late");
    assertEquals(2, lines.size(), "still within the minute");
    clock.advance(1);
    log.warn("idle", "closed idle again");
    assertEquals("closed idle again (and 1000 more of idle in the last minute or more)", lines.get(2));
    assertEquals(3, lines.size());
  }
}
