package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.FiringsQuery;
import dev.skellyjelly.storage.impl.Messages.ImportChunk;
import dev.skellyjelly.storage.impl.Messages.PauseRecord;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.SweepQuery;
import dev.skellyjelly.storage.impl.Messages.WindowQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;

import java.sql.SQLException;
import java.util.List;

/**
 * The writer's answers to requests that read, or write outside the commit loop, on its one connection: the
 * batcher's replay plan, window pages, sweeps and last firings; a pause's record; an import's chunk. Each runs
 * on the writer's worker thread, where its consumers are registered, between commits.
 */
final class WriterRequests {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /** The writer's connection, or a failure when the database is not open. */
  interface Connection {
    WriterConnection get() throws SQLException;
  }

  private final ModuleContext ctx;
  private final Connection connection;
  /** Commits what the writer holds, so that a read sees every event accepted before it. */
  private final Runnable flush;
  private final Committer committer;
  private final WindowRules rules;
  private final Compactor compactor;
  /** Asks the writer to compact what an import emitted, after its answer. */
  private final Runnable compactLater;

  WriterRequests(ModuleContext ctx, Connection connection, Runnable flush, Committer committer, WindowRules rules,
                 Compactor compactor, Runnable compactLater) {
    this.ctx = ctx;
    this.connection = connection;
    this.flush = flush;
    this.committer = committer;
    this.rules = rules;
    this.compactor = compactor;
    this.compactLater = compactLater;
  }

  /** Registers every request's consumer, local only. */
  List<Future<?>> register(EventBus bus) {
    return List.of(
      bus.<ReplayRequest>localConsumer(InternalAddresses.REPLAY, this::onReplay).completion(),
      bus.<WindowQuery>localConsumer(InternalAddresses.WINDOW_EVENTS, this::onWindowQuery).completion(),
      bus.<SweepQuery>localConsumer(InternalAddresses.WINDOW_SWEEP, this::onSweepQuery).completion(),
      bus.<FiringsQuery>localConsumer(InternalAddresses.LAST_FIRINGS, this::onFiringsQuery).completion(),
      bus.<PauseRecord>localConsumer(InternalAddresses.PAUSE_RECORD, this::onPauseRecord).completion(),
      bus.<ImportChunk>localConsumer(InternalAddresses.IMPORT, this::onImport).completion());
  }

  private void onReplay(Message<ReplayRequest> msg) {
    flush.run();
    answer(msg, "replay query", c -> WindowReader.replayPlan(c, msg.body(), committer.lastSeq()));
  }

  private void onWindowQuery(Message<WindowQuery> msg) {
    answer(msg, "window query", c -> WindowReader.page(c, msg.body()));
  }

  private void onSweepQuery(Message<SweepQuery> msg) {
    // The windows swept must be complete, and the firings recorded so far in the table: what is buffered is
    // committed before a sweep's first page. The pages after it read the same range of sequence numbers (all
    // committed before the sweep began) and windows of other sessions, so they need no commit of their own: with
    // thousands of one-event windows, a commit per page had the writer commit several times a second.
    if (msg.body().afterKey() == 0) {
      flush.run();
    }
    answer(msg, "window sweep", c -> WindowReader.sweepPage(c, msg.body()));
  }

  private void onFiringsQuery(Message<FiringsQuery> msg) {
    answer(msg, "firings query", c -> WindowReader.lastFirings(c, msg.body()));
  }

  /** Stores a pause of capture at once, in a transaction of its own. */
  private void onPauseRecord(Message<PauseRecord> msg) {
    answer(msg, "pause record",
      c -> c.transaction(t -> t.update(Sql.UPSERT_PAUSE, msg.body().startMs(), msg.body().endMs()) > 0));
  }

  /** Commits an import's chunk at once, telling the batcher nothing (CONTRACT §8: an import emits no batch). */
  private void onImport(Message<ImportChunk> msg) {
    answer(msg, "import", c -> Importer.commit(c, committer, msg.body(), rules, ctx.clock().millis(), compactor::emitted));
    compactLater.run();
  }

  /** Answers {@code msg} with what {@code work} reads (or writes) on the connection, or fails it with 500. */
  private void answer(Message<?> msg, String what, WriterConnection.Work<?> work) {
    try {
      msg.reply(connection.get().read(work), LOCAL);
    } catch (SQLException | RuntimeException err) {
      msg.fail(500, what + " failed: " + err.getMessage());
    }
  }
}
