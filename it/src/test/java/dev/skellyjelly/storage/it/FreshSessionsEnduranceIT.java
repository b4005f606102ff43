package dev.skellyjelly.storage.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** {@link FreshSessionsIT} for 5 minutes (only with {@code -Pendurance}). */
class FreshSessionsEnduranceIT {

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void fiveThousandFreshSessionsASecondForFiveMinutes() throws Exception {
    FreshSessionsIT.flood(dir, Duration.ofMinutes(5), HostileLoad.STRICT);
  }
}
