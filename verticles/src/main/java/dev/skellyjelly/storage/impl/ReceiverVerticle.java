package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.DeadLetterText;
import dev.skellyjelly.storage.codecs.EventJsonDecoder;
import dev.skellyjelly.storage.codecs.EventValidator;
import dev.skellyjelly.storage.codecs.ImageHeaders;
import dev.skellyjelly.storage.codecs.ImageInfo;
import dev.skellyjelly.storage.codecs.LogText;
import dev.skellyjelly.storage.codecs.InvalidEventException;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.CommitReceipt;
import dev.skellyjelly.storage.impl.Messages.DuplicateScreenshots;
import dev.skellyjelly.storage.impl.Messages.Predecoded;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import dev.skellyjelly.storage.impl.Messages.ScreenshotRow;
import dev.skellyjelly.storage.impl.Messages.StoreScreenshot;
import dev.skellyjelly.storage.impl.Messages.WriteGroup;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Receives raw events on {@link Addresses#RAW_EVENT}, typed or as JSON: validates them, assigns id and
 * session where absent, dead-letters bad input, and hands accepted events to the writer in groups. A
 * producer that used {@code request} is answered once its event is committed.
 */
public final class ReceiverVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReceiverVerticle.class);

  /** Hand a group over at once when it reaches this many events, else at the next tick. */
  static final int GROUP_EVENTS = 2_000;
  /**
   * The heap of accepted events not yet committed, at most, in {@link HeldCost} bytes (the batcher's estimate
   * of an event); past it new input is refused with 503. 10 MiB: about 50 000 events of the usual mix, 50 s of a
   * locked database at 1 000 events/s, and the bursts a producer sends before it waits for an answer; the module's
   * bounds together fit its heap (HeapBudgetTest).
   */
  public static final long MAX_PENDING_BYTES = 10L << 20;
  private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;
  /**
   * No real timeout on a hand-over: the writer keeps every group until it is committed, however long the
   * database is locked or full, and answers it then. Until that answer its events count against
   * {@link #MAX_PENDING_BYTES}; a timeout would let them out of the count while the writer still holds them.
   */
  private static final long WRITE_TIMEOUT_MS = 365L * 86_400_000;
  private static final long ID_SEQUENCE_MASK = (1L << 40) - 1;

  /** Stands for a body that could not be decoded (a null body is an input like any other). */
  private static final Object UNDECODABLE = new Object();

  private final ModuleContext ctx;
  private StorageConfig config;
  private ValidationLimits limits;
  private Exclusions exclusions;
  private String runSession;
  private long runMsb;
  private long runLsb;
  private long sequence;
  private DeliveryOptions toWriter;
  private final DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
  private MessageConsumer<Object> consumer;
  private MessageConsumer<Object> handOverConsumer;
  private AtomicLong depth;

  private List<Accepted> buffer = new ArrayList<>();
  /** The held bytes of the buffered events, of those handed to the writer and of screenshots being stored. */
  private long bufferBytes;
  private long pendingBytes;
  private final List<Future<?>> handoffs = new ArrayList<>();
  private final List<Future<?>> storing = new ArrayList<>();
  private final long[] lastLogged = new long[DeadLetterReason.values().length];
  private final long[] unlogged = new long[DeadLetterReason.values().length];
  private long lastDropLog;
  private boolean stopping;

  public ReceiverVerticle(ModuleContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    config = StorageConfig.fromJson(config());
    limits = new ValidationLimits(config.maxClockSkewMs(), config.screenshotMaxBytes());
    exclusions = new Exclusions(config.excludedApps(), config.excludedTitlePatterns());
    UUID run = UUID.randomUUID();
    runSession = run.toString();
    // Ids this module assigns share the run's bits and differ in their last 40: cheap to make and to store.
    runMsb = (run.getMostSignificantBits() & ~0xF000L) | 0x8000L;
    runLsb = run.getLeastSignificantBits() & ~ID_SEQUENCE_MASK;
    ctx.metrics().queueBound("receiver", MAX_PENDING_BYTES);
    depth = ctx.metrics().queueDepth("receiver");
    toWriter = new DeliveryOptions().setLocalOnly(true).setSendTimeout(WRITE_TIMEOUT_MS);
    // The group-commit cadence: one hand-over per flush interval (sooner when a group fills), which the
    // writer commits as it arrives. At low rates every wake-up costs more than the events it carries.
    vertx.setPeriodic(config.writeFlushIntervalMs(), id -> handOff());
    consumer = vertx.eventBus().consumer(Addresses.RAW_EVENT, this::onRawEvent);
    handOverConsumer = vertx.eventBus().localConsumer(InternalAddresses.HAND_OVER, this::onHandOver);
    LOG.info("receiving on {} (session {} for events without one)", Addresses.RAW_EVENT, runSession);
    return Future.all(consumer.completion(), handOverConsumer.completion());
  }

  /** Stops accepting, hands over what is buffered and waits until the writer committed all of it. */
  @Override
  public Future<?> stop() {
    return ctx.shutdown().stop(vertx, ShutdownSequence.Stage.RECEIVER, () -> {
      stopping = true;
      // Screenshots still on their way into the store join the last group before it is handed over.
      return Future.join(consumer.unregister(), handOverConsumer.unregister())
        .transform(v -> Future.join(new ArrayList<>(storing)))
        .transform(v -> {
          handOff();
          return Future.join(new ArrayList<>(handoffs));
        });
    });
  }

  // ---------------------------------------------------------------- input

  private void onRawEvent(Message<Object> msg) {
    Object body;
    try {
      body = msg.body();
    } catch (RuntimeException undecodable) {
      reject(msg, UNDECODABLE, new InvalidEventException(DeadLetterReason.BAD_WIRE, null,
        "wire form cannot be decoded: " + undecodable.getMessage()));
      return;
    }
    accept(body, msg.replyAddress() != null ? msg : null);
  }

  /**
   * Takes fire-and-forget events a bridge read together, from any thread: one task on this receiver's context
   * instead of a bus message each (at 1000 events/s over a bridge, a message per event was the most frequent task
   * on the event loop; a bus message per group still cost more than the group's events), each event handled as
   * {@link #onRawEvent} handles it. Once the receiver stops, they are refused as {@code shutdown}.
   */
  public void take(RawEventGroup group) {
    context.runOnContext(v -> {
      for (Object body : group.bodies()) {
        accept(body, null);
      }
    });
  }

  /** Validates, assigns ids and buffers one input; {@code requester} is the message to answer, null for none. */
  private void accept(Object body, Message<Object> requester) {
    long now = ctx.clock().millis();
    if (ctx.pauses().pausedAt(now)) {
      // Dropped before validation: nothing of it is looked at, held or stored.
      ctx.pauses().dropped();
      ctx.metrics().dropped("paused", 1);
      notCommitted(requester, inputId(body), "paused");
      return;
    }
    if (stopping || pendingBytes + bufferBytes >= MAX_PENDING_BYTES) {
      refuse(requester, stopping ? "shutdown" : "overload");
      return;
    }
    RawEvent event;
    try {
      if (body instanceof Predecoded read) {
        try {
          event = EventValidator.validate(read.event(), now, limits);
        } catch (InvalidEventException refused) {
          body = read.json().get();
          event = EventJsonDecoder.decode(body, now, limits);
        }
      } else {
        event = body instanceof RawEvent typed ? EventValidator.validate(typed, now, limits)
          : EventJsonDecoder.decode(body, now, limits);
      }
    } catch (InvalidEventException invalid) {
      reject(requester, body, invalid);
      return;
    }
    boolean producerId = event.id() != null;
    event = event.withIds(producerId ? event.id() : nextId(),
      event.sessionId() != null ? event.sessionId() : runSession);
    Exclusions.Verdict verdict = exclusions.judge(event);
    if (verdict == Exclusions.Verdict.DROP) {
      ctx.metrics().dropped("excluded", 1);
      notCommitted(requester, event.id(), "excluded");
      return;
    }
    if (verdict == Exclusions.Verdict.PRIVATE_FOCUS) {
      // Only the fact of a private focus is kept: no title, no app, no pixels (a screenshot's never reach the store).
      event = Exclusions.privateFocus(event);
    }
    ctx.metrics().received(event.eventType());
    if (event.data() instanceof Screenshot shot) {
      acceptScreenshot(event, shot, producerId, requester);
    } else {
      enqueue(new Accepted(event, producerId, null, System.nanoTime(), requester));
    }
  }

  /** The next id of this run's sequence: a version-8 UUID derived from the run session. */
  private String nextId() {
    return new UUID(runMsb, runLsb | (sequence++ & ID_SEQUENCE_MASK)).toString();
  }

  private void acceptScreenshot(RawEvent event, Screenshot shot, boolean producerId, Message<Object> ack) {
    ctx.metrics().screenshotReceived();
    long received = System.nanoTime();
    if (shot.imageLength() == 0) {
      enqueue(new Accepted(event.withoutImage(), producerId, new ScreenshotRow(null, "none", 0, null, null), received, ack));
      return;
    }
    ImageInfo info = ImageHeaders.read(shot.image(), shot.format());
    RawEvent metadata = event.withoutImage();
    long held = HeldCost.of(metadata);
    pendingBytes += held;
    Future<Message<ScreenshotRef>> stored = vertx.eventBus().request(InternalAddresses.SCREENSHOT_STORE,
      new StoreScreenshot(shot, info, event.sessionId(), event.timestampMs()), local);
    storing.add(stored);
    stored
      .onComplete(ar -> {
        storing.remove(stored);
        pendingBytes -= held;
        if (ar.succeeded()) {
          ScreenshotRef ref = ar.result().body();
          enqueue(new Accepted(metadata, producerId,
            new ScreenshotRow(ref, ref.storage().wireName(), ref.sizeBytes(), ref.width(), ref.height()), received, ack));
        } else {
          LOG.warn("screenshot {} could not be kept: {}", shot.screenshotId(), ar.cause().getMessage());
          refuse(ack, "screenshot_store");
        }
      });
  }

  private void enqueue(Accepted accepted) {
    buffer.add(accepted);
    bufferBytes += HeldCost.of(accepted.event());
    if (buffer.size() >= GROUP_EVENTS) {
      handOff();
    }
    depth.set(bufferBytes + pendingBytes);
  }

  /**
   * A deletion begins: what was accepted (screenshots once the store has them) goes to the writer now, so that the
   * deletion finds it there; answered once it is on its way.
   */
  private void onHandOver(Message<Object> msg) {
    Future.join(new ArrayList<>(storing)).onComplete(ar -> {
      handOff();
      msg.reply(Boolean.TRUE, local);
    });
  }

  /** Sends what is buffered to the writer as one group; answers the producers who asked once it committed. */
  private void handOff() {
    if (buffer.isEmpty()) {
      return;
    }
    List<Accepted> group = buffer;
    long groupBytes = bufferBytes;
    buffer = new ArrayList<>();
    bufferBytes = 0;
    pendingBytes += groupBytes;
    Future<Message<CommitReceipt>> committed = vertx.eventBus().request(InternalAddresses.WRITE, new WriteGroup(group), toWriter);
    handoffs.add(committed);
    committed
      .onSuccess(reply -> {
        acknowledge(group, reply.body().duplicates());
        releaseDuplicateScreenshots(group, reply.body().duplicates());
      })
      .onFailure(err -> {
        LOG.error("group of {} events not confirmed by the writer: {}", group.size(), err.getMessage());
        for (Accepted a : group) {
          if (a.ack() != null) {
            a.ack().fail(503, "not committed: " + err.getMessage());
          }
        }
      })
      .onComplete(ar -> {
        pendingBytes -= groupBytes;
        handoffs.remove(committed);
        depth.set(bufferBytes + pendingBytes);
      });
  }

  private static void acknowledge(List<Accepted> group, BitSet duplicates) {
    for (int i = 0; i < group.size(); i++) {
      Accepted a = group.get(i);
      if (a.ack() != null) {
        JsonObject reply = new JsonObject().put("id", a.event().id()).put("committed", true);
        if (duplicates.get(i)) {
          reply.put("duplicate", true);
        }
        a.ack().reply(reply);
      }
    }
  }

  /** The screenshots of re-sent events were kept for nothing: the store lets them go unless another event holds them. */
  private void releaseDuplicateScreenshots(List<Accepted> group, BitSet duplicates) {
    List<String> ids = new ArrayList<>();
    for (int i = duplicates.nextSetBit(0); i >= 0; i = duplicates.nextSetBit(i + 1)) {
      ScreenshotRow row = group.get(i).screenshot();
      if (row != null && row.ref() != null) {
        ids.add(row.ref().screenshotId());
      }
    }
    if (!ids.isEmpty()) {
      vertx.eventBus().send(InternalAddresses.SCREENSHOT_DUPLICATE, new DuplicateScreenshots(ids), local);
    }
  }

  // ---------------------------------------------------------------- rejection

  /** {@code requester}: the message to answer with 400, null for none. */
  private void reject(Message<Object> requester, Object body, InvalidEventException invalid) {
    DeadLetterReason reason = invalid.reason();
    ctx.metrics().deadLetter(reason);
    // An invalid input naming a private app or title: the letter and the log line say which field, nothing of it.
    boolean withheld = exclusions.namesExcluded(body);
    String detail = withheld ? "field " + invalid.field() + " (input withheld: it names an excluded app or window title)"
      : DeadLetterText.detail(invalid.detail());
    JsonObject letter = new JsonObject().put("reason", reason.wireName()).put("detail", detail);
    String id = inputId(body);
    if (id != null) {
      letter.put("id", id);
    }
    letter.put("received", body == UNDECODABLE ? "<undecodable>" : withheld ? "<withheld>"
      : DeadLetterText.describeInput(body));
    vertx.eventBus().publish(Addresses.DEAD_LETTER, letter);
    long now = System.nanoTime();
    int r = reason.ordinal();
    if (lastLogged[r] == 0 || now - lastLogged[r] >= LOG_INTERVAL_NANOS) {
      LOG.warn("rejected input ({}): {}{}", reason.wireName(), LogText.escape(detail),
        unlogged[r] > 0 ? " (and " + unlogged[r] + " more since the last such line)" : "");
      lastLogged[r] = now;
      unlogged[r] = 0;
    } else {
      unlogged[r]++;
    }
    if (requester != null && requester.replyAddress() != null) {
      requester.fail(400, reason.wireName());
    }
  }

  private static String inputId(Object body) {
    if (body instanceof JsonObject json && json.getValue("id") instanceof String s) {
      return DeadLetterText.cutForDisplay(s);
    }
    if (body instanceof RawEvent e) {
      return e.id();
    }
    return null;
  }

  /** Answers a requester whose event was dropped on purpose (paused, excluded): not to be sent again. */
  private static void notCommitted(Message<Object> requester, String id, String reason) {
    if (requester != null && requester.replyAddress() != null) {
      requester.reply(new JsonObject().put("id", id).put("committed", false).put("reason", reason));
    }
  }

  private void refuse(Message<Object> msg, String reason) {
    ctx.metrics().dropped(reason, 1);
    long now = System.nanoTime();
    if (lastDropLog == 0 || now - lastDropLog >= LOG_INTERVAL_NANOS) {
      LOG.warn("refusing input ({}): {} bytes of events waiting for the database", reason, pendingBytes + bufferBytes);
      lastDropLog = now;
    }
    if (msg != null && msg.replyAddress() != null) {
      msg.fail(503, reason);
    }
  }
}
