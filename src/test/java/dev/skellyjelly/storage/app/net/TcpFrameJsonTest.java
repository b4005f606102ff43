package dev.skellyjelly.storage.app.net;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the TCP bridge reads as a frame: its JSON limits, and a screenshot's image arriving as bytes. */
class TcpFrameJsonTest {

  private final TcpFrameJson json = new TcpFrameJson(1 << 20);

  private static Buffer frameWithImage(String imageText) {
    return Buffer.buffer("{\"type\":\"send\",\"address\":\"a\",\"body\":{\"kind\":\"screenshot\",\"data\":{\"image\":\""
      + imageText + "\",\"format\":\"png\"}}}");
  }

  /** A frame whose body nests {@code levels} objects, the frame itself being level 1. */
  private static Buffer nested(int levels) {
    return Buffer.buffer("{\"body\":" + "{\"x\":".repeat(levels - 2) + "{}" + "}".repeat(levels - 2) + "}");
  }

  @Test
  void theImageOfAScreenshotArrivesAsBytesInEitherBase64Alphabet() {
    byte[] image = new byte[3000];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 31);
    }
    for (String text : new String[]{Base64.getEncoder().encodeToString(image),
      Base64.getUrlEncoder().withoutPadding().encodeToString(image)}) {
      JsonObject frame = json.parse(frameWithImage(text));
      assertNotNull(frame, text);
      assertArrayEquals(image, frame.getJsonObject("body").getJsonObject("data").getBinary("image"));
      assertEquals("png", frame.getJsonObject("body").getJsonObject("data").getString("format"));
    }
  }

  @Test
  void anImageLongerThanAnyOtherStringMayBeIsStillDecoded() {
    byte[] image = new byte[3 * TcpFrameJson.MAX_STRING_CHARS];
    image[image.length - 1] = 42;
    TcpFrameJson large = new TcpFrameJson(24L << 20);
    JsonObject frame = large.parse(frameWithImage(Base64.getEncoder().encodeToString(image)));
    assertNotNull(frame);
    assertArrayEquals(image, frame.getJsonObject("body").getJsonObject("data").getBinary("image"));
  }

  @Test
  void anImageIsDecodedExactlyWhateverItsLengthPaddingAndEscapes() {
    for (int n = 0; n < 40; n++) {
      byte[] image = new byte[n];
      for (int i = 0; i < n; i++) {
        image[i] = (byte) (i * 77 + n);
      }
      String padded = Base64.getEncoder().encodeToString(image);
      String escaped = padded.isEmpty() ? padded : "\\u00" + Integer.toHexString(padded.charAt(0)) + padded.substring(1);
      for (String text : new String[]{padded, Base64.getUrlEncoder().withoutPadding().encodeToString(image), escaped}) {
        JsonObject frame = json.parse(frameWithImage(text));
        assertArrayEquals(image, frame.getJsonObject("body").getJsonObject("data").getBinary("image"), text);
      }
    }
  }

  @Test
  void aScreenshotFrameCostsItsImageOnceBesidesTheFrame() {
    byte[] image = new byte[4 << 20];
    new java.util.Random(5).nextBytes(image);
    Buffer frame = frameWithImage(Base64.getEncoder().encodeToString(image));
    TcpFrameJson large = new TcpFrameJson(24L << 20);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    large.parse(frame);
    long before = threads.getCurrentThreadAllocatedBytes();
    JsonObject parsed = large.parse(frame);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertArrayEquals(image, parsed.getJsonObject("body").getJsonObject("data").getBinary("image"));
    // Vert.x hands getBinary a copy; the parse itself allocates the image's bytes and little more.
    assertTrue(allocated < image.length + (image.length >> 3), allocated + " bytes allocated for " + image.length);
  }

  @Test
  void aStringOverTheLimitMakesTheFrameMalformed() {
    TcpFrameJson large = new TcpFrameJson(24L << 20);
    String ok = "x".repeat(TcpFrameJson.MAX_STRING_CHARS);
    assertEquals(ok, large.parse(Buffer.buffer(new JsonObject().put("body", ok).encode())).getString("body"));
    assertNull(large.parse(Buffer.buffer(new JsonObject().put("body", ok + "x").encode())));
  }

  @Test
  void theHeadOfAFrameIsItsTypeAndTokenWhateverElseItHolds() {
    String padding = "x".repeat(3 * TcpFrameJson.MAX_STRING_CHARS);
    Buffer frame = Buffer.buffer(new JsonObject().put("body", new JsonObject().put("padding", padding))
      .put("headers", new JsonObject().put("a", padding).put("token", "t0k3n")).put("type", "send").encode());
    assertEquals(new TcpFrameJson.Head("send", "t0k3n"), new TcpFrameJson(24L << 20).head(frame));
    assertEquals(new TcpFrameJson.Head("ping", null), json.head(Buffer.buffer("{\"type\":\"ping\"}")));
    assertNull(json.head(Buffer.buffer("[1]")));
    assertNull(json.head(Buffer.buffer("{\"body\": {\"x\": ")));
  }

  @Test
  void anImageThatIsNotBase64StaysTextForTheReceiverToDeadLetter() {
    JsonObject frame = json.parse(frameWithImage("not base64 at all!"));
    assertEquals("not base64 at all!", frame.getJsonObject("body").getJsonObject("data").getValue("image"));
  }

  @Test
  void onlyTheImageOfBodyDataIsDecoded() {
    String text = Base64.getEncoder().encodeToString(new byte[]{1, 2, 3});
    JsonObject frame = json.parse(Buffer.buffer("{\"image\":\"" + text + "\",\"body\":{\"image\":\"" + text + "\"}}"));
    assertEquals(text, frame.getValue("image"));
    assertEquals(text, frame.getJsonObject("body").getValue("image"));
  }

  @Test
  void sixtyFourLevelsOfNestingAreReadAndSixtyFiveAreRefused() {
    assertNotNull(json.parse(nested(TcpFrameJson.MAX_DEPTH)));
    assertNull(json.parse(nested(TcpFrameJson.MAX_DEPTH + 1)));
    assertNull(json.parse(Buffer.buffer("{\"body\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}")));
  }

  @Test
  void deepNestingIsRefusedAlsoAfterAnImageThatIsNotBase64() {
    Buffer deep = Buffer.buffer("{\"body\":{\"data\":{\"image\":\"?!\",\"deep\":" + "[".repeat(100) + "]".repeat(100) + "}}}");
    assertNull(json.parse(deep));
  }

  @Test
  void numbersOfUpToAThousandDigitsAreRead() {
    assertNotNull(json.parse(Buffer.buffer("{\"n\":" + "9".repeat(1000) + "}")));
    assertNull(json.parse(Buffer.buffer("{\"n\":" + "9".repeat(1001) + "}")));
  }

  @Test
  void commentsAreReadAsVertxReadsThem() {
    assertEquals(new JsonObject().put("type", "ping"), json.parse(Buffer.buffer("/* hello */ {\"type\": \"ping\"} // bye")));
  }

  @Test
  void anythingButOneJsonObjectIsNoFrame() {
    assertNull(json.parse(Buffer.buffer("[1, 2]")));
    assertNull(json.parse(Buffer.buffer("\"text\"")));
    assertNull(json.parse(Buffer.buffer("{\"a\":1} {\"b\":2}")));
    assertNull(json.parse(Buffer.buffer("{\"a\":")));
    assertNull(json.parse(Buffer.buffer("not json")));
  }
}
