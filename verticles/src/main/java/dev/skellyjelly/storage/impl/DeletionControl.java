package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.impl.Messages.DeletionRelease;
import dev.skellyjelly.storage.impl.Messages.ForgetScreenshots;
import dev.skellyjelly.storage.impl.Messages.RecordedWindow;
import dev.skellyjelly.storage.impl.Messages.RecordedWindows;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowRemoval;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Answers {@link InternalAddresses#DELETE} on the writer's thread. A dry run commits what the writer holds and
 * counts. A deletion first has the receiver hand over what it accepted, stops the batcher from firing any window and learns which windows it has a record
 * of; commits what the writer holds (those events were accepted, and their producers are answered committed:
 * they are removed with the rest); removes the events in one transaction ({@link RangeDeletion}); then tells the
 * batcher what went from its windows (it drops them and fires again), the screenshot store which pixels go, and
 * checkpoints and truncates the write-ahead log before it answers and publishes {@code skelly.storage.deleted}.
 */
final class DeletionControl {

  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(30_000);
  /** How long the log's truncation is retried while readers hold old snapshots (the asker waits 120 s). */
  private static final long TRUNCATE_FOR_MS = 90_000;

  private final Vertx vertx;
  private final ModuleContext ctx;
  private final RangeDeletion deletion;
  private final BooleanSupplier flush;
  private final WalTruncation.Source db;
  private final Committer committer;

  /**
   * @param flush commits what the writer holds; whether it could
   * @param db    the writer's connection
   */
  DeletionControl(Vertx vertx, ModuleContext ctx, long windowMs, BooleanSupplier flush, WalTruncation.Source db,
                  Committer committer) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.deletion = new RangeDeletion(windowMs);
    this.flush = flush;
    this.db = db;
    this.committer = committer;
  }

  void onDelete(Message<JsonObject> msg) {
    DeletionRequest r;
    try {
      r = DeletionRequest.fromJson(msg.body());
    } catch (IllegalArgumentException | ClassCastException bad) {
      msg.fail(400, bad.getMessage());
      return;
    }
    // What the receiver has accepted reaches this writer's queue ahead of the answer, and the flush commits it.
    Future<?> handedOver = vertx.eventBus().request(InternalAddresses.HAND_OVER, "deletion", LOCAL);
    if (r.dryRun()) {
      handedOver.onComplete(ar -> count(msg, r));
      return;
    }
    handedOver.transform(ar -> vertx.eventBus().<RecordedWindows>request(InternalAddresses.DELETION_HOLD, "hold", LOCAL))
      .onComplete(held -> delete(msg, r, held.succeeded() ? held.result().body().windows() : List.of()));
  }

  /** A dry run: commits what waits, then counts. */
  private void count(Message<JsonObject> msg, DeletionRequest r) {
    if (!flush.getAsBoolean()) {
      msg.fail(503, "the database cannot commit now; try again later");
      return;
    }
    try {
      RangeDeletion.Outcome o = db.get().read(c -> deletion.run(c, r, committer.rollups(), Map.of(), Long.MAX_VALUE));
      msg.reply(r.reply(o));
    } catch (SQLException | RuntimeException err) {
      msg.fail(500, "deletion dry run failed: " + err.getMessage());
    }
  }

  /** With the batcher holding its windows: commits what waits, removes, releases the batcher, truncates the log. */
  private void delete(Message<JsonObject> msg, DeletionRequest r, List<RecordedWindow> recorded) {
    Map<WindowKey, Long> watched = new HashMap<>();
    for (RecordedWindow w : recorded) {
      watched.put(w.key(), w.spilled() ? w.afterSeq() : null);
    }
    long before = committer.lastSeq();
    RangeDeletion.Outcome o;
    try {
      if (!flush.getAsBoolean()) {
        throw new SQLException("the database cannot commit now; try again later");
      }
      o = db.get().transaction(t -> deletion.run(t, r, committer.rollups(), watched, before));
    } catch (SQLException | RuntimeException err) {
      // What the rollups remembered of the sessions recomputed is ahead of the database now, as after a failed commit.
      committer.rollups().forget();
      release(List.of());
      LOG.error("deletion of {} to {} failed: {}", r.fromMs(), r.toMs(), err.toString());
      msg.fail(500, "deletion failed: " + err.getMessage());
      return;
    }
    Future<?> pixels = o.screenshotIds().isEmpty() ? Future.succeededFuture()
      : vertx.eventBus().request(InternalAddresses.SCREENSHOT_FORGET, new ForgetScreenshots(o.screenshotIds()), LOCAL);
    Future.join(release(o.removals()), pixels)
      .transform(ar -> WalTruncation.truncate(vertx, db, TRUNCATE_FOR_MS))
      .onComplete(ar -> {
        vertx.eventBus().publish(Addresses.DELETED, r.published(o.events()));
        if (ar.failed()) {
          LOG.error("deletion of {} events committed, but {}", o.events(), ar.cause().getMessage());
          msg.fail(500, "the events are deleted, but " + ar.cause().getMessage());
          return;
        }
        LOG.info("deleted {} events, {} screenshots and {} batch records", o.events(), o.screenshots(), o.batches());
        msg.reply(r.reply(o));
      });
  }

  private Future<?> release(List<WindowRemoval> removals) {
    return vertx.eventBus().request(InternalAddresses.DELETION_RELEASE, new DeletionRelease(removals), LOCAL)
      .onFailure(err -> LOG.warn("the batcher did not confirm a deletion's release: {}", err.getMessage()));
  }
}
