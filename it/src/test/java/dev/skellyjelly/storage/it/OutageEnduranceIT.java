package dev.skellyjelly.storage.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** {@link OutageIT} for 5 minutes at 1 000 events a second (only with {@code -Pendurance}). */
class OutageEnduranceIT {

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void aLockedDatabaseForFiveMinutesAtOneThousandASecond() throws Exception {
    OutageIT.outage(dir, 1_000, Duration.ofMinutes(5));
  }
}
