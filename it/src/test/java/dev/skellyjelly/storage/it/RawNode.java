package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Codecs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The raw clustered bus's far end for {@link ClusterIT}: a member in a JVM of its own, started under the
 * module's {@code conf/jvm.options} (one event loop, C1, the same heap), that receives on {@link #ADDRESS} what
 * {@link ClusterClient} sends and does nothing with it but answer the requests among it, as the module answers
 * its markers. {@link ClusterClient} sends it the ingest's shape (typed and JSON events at once), so the ingest
 * is divided by what the same bus delivers into a JVM like the module's when nothing is stored.
 *
 * <p>Arguments: the module's database directory, the module's Hazelcast port, own Hazelcast port. Prints
 * {@code READY} on stderr once its consumer is registered, and leaves the cluster when its stdin closes,
 * printing how many events it received on stdout.
 */
public final class RawNode {

  static final String ADDRESS = "skelly-it.raw";

  private RawNode() {
  }

  public static void main(String[] args) throws Exception {
    Vertx vertx = ClusterClient.clustered(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), 1)
      .onSuccess(Codecs::ensureRegistered).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    long[] received = {0};
    vertx.eventBus().consumer(ADDRESS, msg -> {
      received[0]++;
      if (msg.replyAddress() != null) {
        msg.reply(new JsonObject().put("committed", true));
      }
    }).completion().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.err.println("READY");
    while (System.in.read() >= 0) {
      // Runs until the test closes stdin.
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println(new JsonObject().put("received", received[0]).encode());
    System.out.flush();
    System.exit(0);
  }
}
