package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The codecs as the event bus uses them: names, registration, and in-JVM delivery without copies. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class CodecsTest {

  static final String ID = "8a6f0c1e-1111-4a2b-8c3d-0123456789ab";
  static final String SESSION = "5b1d2c3e-2222-4b3c-9d4e-abcdefabcdef";
  static final String SHOT_ID = "c0ffee00-3333-4c4d-8e5f-00112233aabb";
  static final String WINDOW = "0f0e0d0c-4444-4b0a-9c0b-0a0b0c0d0e0f";
  static final String TEST_ADDRESS = "test.codecs";

  static RawEvent screenshot() {
    return new RawEvent(ID, SESSION, 1_795_687_200_123L, new Screenshot(SHOT_ID, ImageFormat.PNG,
      EventJsonTest.png(1920, 1080, 64), "Report", "Word", new Screenshot.Region(0, 0, 1920, 1080), false));
  }

  static EventBatch batch() {
    RawEvent shot = screenshot();
    return new EventBatch(WINDOW, SESSION, 1_795_687_200_000L, 1_795_687_230_000L, 0, 1, false, false,
      List.of(shot.withoutImage(), new RawEvent(ID.replace('8', '9'), SESSION, 1_795_687_201_000L,
        new MouseMove(1, 2, 3.5))),
      List.of(new ScreenshotRef(SHOT_ID, shot.timestampMs(), ImageFormat.PNG, 97, 1920, 1080,
        ScreenshotStorage.MEMORY)));
  }

  @Test
  void namesAreTheContractsAndEveryCodecIsAUserCodec() {
    assertEquals("skelly.RawEvent", Codecs.RAW_EVENT);
    assertEquals("skelly.EventBatch", Codecs.EVENT_BATCH);
    assertEquals("skelly.RawEvent", new RawEventCodec().name());
    assertEquals("skelly.EventBatch", new EventBatchCodec().name());
    assertEquals(Codecs.SCREENSHOT_REF, new ScreenshotRefCodec().name());
    for (MessageCodec<?, ?> c : List.of(new RawEventCodec(), new EventBatchCodec(), new ScreenshotRefCodec())) {
      assertEquals(-1, c.systemCodecID(), c.name());
    }
  }

  @Test
  void aBatchKeepsHandedOverEventsWithoutCopyingAndCopiesAnyOtherList() {
    List<RawEvent> owned = new ArrayList<>(batch().events());
    List<RawEvent> handed = EventBatch.handOver(owned.subList(0, 2));
    EventBatch kept = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, handed, List.of());
    assertSame(handed, kept.events());
    assertSame(handed, EventBatch.handOver(handed));
    assertEquals(batch().events(), kept.events());
    assertThrows(UnsupportedOperationException.class, () -> kept.events().add(owned.get(0)));
    assertThrows(UnsupportedOperationException.class, () -> kept.events().remove(0));
    assertThrows(UnsupportedOperationException.class, () -> kept.events().set(0, owned.get(1)));

    EventBatch copied = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, owned, List.of());
    assertNotSame(owned, copied.events());
    owned.clear();
    assertEquals(2, copied.events().size());
  }

  @Test
  void transformReturnsTheSameInstance() {
    RawEvent e = screenshot();
    EventBatch b = batch();
    ScreenshotRef r = b.screenshotRefs().get(0);
    assertSame(e, new RawEventCodec().transform(e));
    assertSame(b, new EventBatchCodec().transform(b));
    assertSame(r, new ScreenshotRefCodec().transform(r));
  }

  @Test
  void wireMethodsRoundTripAtAPosition() {
    // What the clustered bus does: encode after its own header, decode from that position.
    RawEvent e = screenshot();
    EventBatch b = batch();
    ScreenshotRef r = b.screenshotRefs().get(0);
    Buffer buf = Buffer.buffer().appendString("hdr");
    new RawEventCodec().encodeToWire(buf, e);
    assertEquals(e, new RawEventCodec().decodeFromWire(3, buf));
    Buffer bb = Buffer.buffer().appendInt(99);
    new EventBatchCodec().encodeToWire(bb, b);
    assertEquals(b, new EventBatchCodec().decodeFromWire(4, bb));
    Buffer rb = Buffer.buffer().appendByte((byte) 1);
    new ScreenshotRefCodec().encodeToWire(rb, r);
    assertEquals(r, new ScreenshotRefCodec().decodeFromWire(1, rb));
  }

  @Test
  void ensureRegisteredTwiceIsFine(Vertx vertx, VertxTestContext ctx) {
    Codecs.ensureRegistered(vertx);
    assertDoesNotThrow(() -> Codecs.ensureRegistered(vertx));
    // Still usable after the second call.
    RawEvent e = screenshot();
    vertx.eventBus().<RawEvent>localConsumer(TEST_ADDRESS, m -> ctx.verify(() -> {
      assertSame(e, m.body());
      ctx.completeNow();
    })).completion().onSuccess(v -> vertx.eventBus().send(TEST_ADDRESS, e)).onFailure(ctx::failNow);
  }

  @Test
  void ensureRegisteredAfterTheHostRegisteredTheCodecsItself(Vertx vertx) {
    vertx.eventBus().registerDefaultCodec(RawEvent.class, new RawEventCodec());
    vertx.eventBus().registerDefaultCodec(EventBatch.class, new EventBatchCodec());
    assertDoesNotThrow(() -> Codecs.ensureRegistered(vertx));
  }

  @Test
  void eachVertxGetsItsOwnRegistration(Vertx vertx, VertxTestContext ctx) {
    Codecs.ensureRegistered(vertx);
    Vertx other = Vertx.vertx();
    Codecs.ensureRegistered(other);
    RawEvent e = screenshot();
    other.eventBus().<RawEvent>localConsumer(TEST_ADDRESS, m -> {
      ctx.verify(() -> assertSame(e, m.body()));
      // The extension closes only the Vertx it made; this one is ours.
      other.close().onComplete(ctx.succeedingThenComplete());
    }).completion()
      .onSuccess(v -> other.eventBus().send(TEST_ADDRESS, e))
      .onFailure(err -> other.close().onComplete(x -> ctx.failNow(err)));
  }

  @Test
  void rawEventArrivesAsTheSameInstance(Vertx vertx, VertxTestContext ctx) {
    Codecs.ensureRegistered(vertx);
    RawEvent e = screenshot();
    Checkpoint received = ctx.checkpoint(3);
    vertx.eventBus().<RawEvent>localConsumer(TEST_ADDRESS, m -> ctx.verify(() -> {
      assertSame(e, m.body());
      received.flag();
    })).completion().onSuccess(v -> {
      vertx.eventBus().send(TEST_ADDRESS, e);
      vertx.eventBus().publish(TEST_ADDRESS, e, new DeliveryOptions().setLocalOnly(true));
      // A producer that names the codec explicitly gets the same.
      vertx.eventBus().send(TEST_ADDRESS, e, new DeliveryOptions().setCodecName(Codecs.RAW_EVENT));
    }).onFailure(ctx::failNow);
  }

  @Test
  void eventBatchAndRefArriveAsTheSameInstance(Vertx vertx, VertxTestContext ctx) {
    Codecs.ensureRegistered(vertx);
    EventBatch b = batch();
    ScreenshotRef r = b.screenshotRefs().get(0);
    Checkpoint received = ctx.checkpoint(2);
    vertx.eventBus().<EventBatch>localConsumer(TEST_ADDRESS + ".batch", m -> ctx.verify(() -> {
      assertSame(b, m.body());
      received.flag();
    })).completion()
      .compose(v -> vertx.eventBus().<ScreenshotRef>localConsumer(TEST_ADDRESS + ".ref", m -> ctx.verify(() -> {
        assertSame(r, m.body());
        received.flag();
      })).completion())
      .onSuccess(v -> {
        vertx.eventBus().publish(TEST_ADDRESS + ".batch", b);
        vertx.eventBus().send(TEST_ADDRESS + ".ref", r);
      }).onFailure(ctx::failNow);
  }
}
