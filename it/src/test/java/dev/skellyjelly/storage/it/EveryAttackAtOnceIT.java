package dev.skellyjelly.storage.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The acceptance, "every attack at once": {@link EdgesIT}'s bridge attacks beside the producer (a minute
 * of requests at 1000 events/s) and the batch consumer, against the module running {@code --cluster}, and in the
 * same minute a local non-member on its clustered event-bus port ({@link ClusterIntruder} {@code raw}: a valid
 * frame and a 1 GB announcement in clear, TLS without and with a foreign certificate) and a token holder sending
 * valid keystrokes at 2 500 a second for 20 s, each of a fresh session. Beside EdgesIT's assertions: nothing of the
 * non-member's arrives (no event of any session but the producer's and the flood's is committed or batched), each
 * flood event is committed once in a session of its own, and the module stays up within the same RSS bound.
 */
class EveryAttackAtOnceIT {

  /**
   * A Hazelcast member's threads, metaspace and buffers come on top of EdgesIT's margin: peaks of 190-234 MB were
   * measured, so heap + 192 MB (288 MB, under ClusterIT's 300 MB bound after a 1 GB frame).
   */
  static final EdgesIT.Run EVERYTHING = new EdgesIT.Run(60, true, 2_500, Duration.ofSeconds(20), 192);

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void everyAttackAtOnceBesideAClusteredModuleCostsCountersWhileTheProducerLosesNothing() throws Exception {
    EdgesIT.attack(dir, EVERYTHING);
  }
}
