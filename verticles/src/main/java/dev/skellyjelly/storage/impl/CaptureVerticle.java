package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.PauseRecord;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses and resumes capture on {@link InternalAddresses#CAPTURE}. A change takes effect at once in the shared
 * {@link Pauses} (input arriving while it is being stored is dropped already) and is answered once the writer has
 * stored it, so that a pause survives a restart. A timed pause needs nothing more: it is over when the clock passes
 * its end.
 */
public final class CaptureVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CaptureVerticle.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final ModuleContext ctx;
  private MessageConsumer<JsonObject> consumer;

  public CaptureVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(InternalAddresses.CAPTURE, this::onRequest);
    Pauses.Pause now = ctx.pauses().current(ctx.clock().millis());
    if (now != null) {
      LOG.info("capture is paused since {} ({})", now.startMs(),
        now.endMs() == null ? "until resumed" : "until " + now.endMs());
    }
    return consumer.completion();
  }

  private void onRequest(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    String op = body == null ? null : body.getString("op");
    long now = ctx.clock().millis();
    Pauses.Pause row;
    if ("state".equals(op)) {
      msg.reply(state(now));
      return;
    } else if ("pause".equals(op)) {
      Long until = body.getValue("until_ms") instanceof Number n ? Long.valueOf(n.longValue()) : null;
      if (body.getValue("until_ms") != null && until == null) {
        msg.fail(400, "until_ms must be epoch milliseconds or null");
        return;
      }
      if (until != null && until <= now) {
        msg.fail(400, "until_ms must lie in the future");
        return;
      }
      row = ctx.pauses().begin(now, until);
      LOG.info("capture paused {}", until == null ? "until resumed" : "until " + until);
    } else if ("resume".equals(op)) {
      row = ctx.pauses().end(now);
      if (row == null) {
        msg.reply(state(now));
        return;
      }
      LOG.info("capture resumed");
    } else {
      msg.fail(400, "op must be pause, resume or state");
      return;
    }
    vertx.eventBus().request(InternalAddresses.PAUSE_RECORD, new PauseRecord(row.startMs(), row.endMs()), LOCAL)
      .onSuccess(stored -> msg.reply(state(now)))
      .onFailure(err -> {
        LOG.error("pause could not be stored: {}", err.getMessage());
        msg.fail(500, "pause not stored: " + err.getMessage());
      });
  }

  private JsonObject state(long now) {
    Pauses.Pause p = ctx.pauses().current(now);
    return new JsonObject()
      .put("paused", p != null)
      .put("until_ms", p == null ? null : p.endMs())
      .put("since_ms", p == null ? null : p.startMs())
      .put("dropped_while_paused", ctx.pauses().droppedWhilePaused());
  }
}
