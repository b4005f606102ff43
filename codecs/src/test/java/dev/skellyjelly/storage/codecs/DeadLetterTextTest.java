package dev.skellyjelly.storage.codecs;

import static dev.skellyjelly.storage.codecs.EventJsonTest.ID;
import static dev.skellyjelly.storage.codecs.EventJsonTest.SHOT_ID;
import static dev.skellyjelly.storage.codecs.EventJsonTest.TS_TEXT;
import static dev.skellyjelly.storage.codecs.EventJsonTest.data;
import static dev.skellyjelly.storage.codecs.EventJsonTest.ev;
import static dev.skellyjelly.storage.codecs.EventJsonTest.png;
import static dev.skellyjelly.storage.codecs.EventJsonTest.sample;
import static dev.skellyjelly.storage.codecs.EventJsonTest.samplesExpected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a dead letter shows of its input: small, cut on a character boundary, never an image's bytes. */
class DeadLetterTextTest {

  @Test
  void imageIsReplacedByItsLength() {
    byte[] img = png(800, 600, 1200);
    for (String form : List.of(Base64.getEncoder().encodeToString(img),
      Base64.getUrlEncoder().withoutPadding().encodeToString(img))) {
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("image", form);
      String text = DeadLetterText.describeInput(s);
      assertTrue(text.contains("<" + img.length + " bytes>"), text);
      assertFalse(text.contains(form.substring(0, 40)), text);
      assertTrue(text.contains(SHOT_ID), text);
      // The input itself is left alone.
      assertEquals(form, data(s).getString("image"));
    }
  }

  @Test
  void smallInputIsShownWhole() {
    JsonObject k = sample(EventType.KEYSTROKE).put("id", "nope");
    assertEquals(k, new JsonObject(DeadLetterText.describeInput(k)));
    assertEquals("[1,2]", DeadLetterText.describeInput(new JsonArray().add(1).add(2)));
    assertEquals("hello", DeadLetterText.describeInput("hello"));
  }

  @Test
  void cutAt1024BytesWithoutSplittingACharacter() {
    // Every alignment of 2-, 3- and 4-byte characters against the cut.
    for (String ch : List.of("é", "€", "🦴")) {
      for (int pad = 0; pad < 4; pad++) {
        JsonObject w = sample(EventType.WINDOW_FOCUS);
        data(w).put("window_title", "a".repeat(pad) + ch.repeat(1000));
        String full = w.encode();
        String cut = DeadLetterText.describeInput(w);
        int bytes = cut.getBytes(StandardCharsets.UTF_8).length;
        String label = ch + " pad " + pad + ": " + bytes;
        assertTrue(bytes <= 1024 && bytes > 1024 - ch.getBytes(StandardCharsets.UTF_8).length, label);
        assertTrue(full.startsWith(cut), label);
        assertFalse(cut.contains("\uFFFD"), label);
        assertFalse(Character.isHighSurrogate(cut.charAt(cut.length() - 1)), label);
      }
    }
  }

  @Test
  void exactly1024BytesIsNotCut() {
    JsonObject w = sample(EventType.WINDOW_FOCUS);
    String base = w.encode();
    int need = 1024 - base.getBytes(StandardCharsets.UTF_8).length;
    data(w).put("app_name", "Mail" + "x".repeat(need));
    assertEquals(1024, w.encode().getBytes(StandardCharsets.UTF_8).length);
    assertEquals(w.encode(), DeadLetterText.describeInput(w));
  }

  @Test
  void longStringInputIsCut() {
    String text = "€".repeat(2000);
    String cut = DeadLetterText.describeInput(text);
    assertEquals("€".repeat(341), cut); // 341 × 3 = 1023 bytes: a 342nd would pass 1024
  }

  @Test
  void typedEventIsShownAsJsonWithoutPixels() {
    byte[] img = png(1920, 1080, 5000);
    RawEvent e = ev(new Screenshot(SHOT_ID, ImageFormat.PNG, img, "Report", "Word",
      new Screenshot.Region(0, 0, 1920, 1080), false));
    String text = DeadLetterText.describeInput(e);
    assertTrue(text.getBytes(StandardCharsets.UTF_8).length <= 1024);
    JsonObject json = new JsonObject(text);
    assertEquals("<" + img.length + " bytes>", data(json).getString("image"));
    assertEquals(ID, json.getString("id"));
    assertEquals(TS_TEXT, json.getString("timestamp"));
    assertEquals("screenshot", json.getString("event_type"));
    assertEquals("Word", data(json).getString("app_name"));

    RawEvent k = samplesExpected().get(EventType.KEYSTROKE);
    assertEquals(EventJson.encode(k), new JsonObject(DeadLetterText.describeInput(k)));
  }

  /** A string or an array body may carry an image as base64 anywhere: none of it reaches the dead letter. */
  @Test
  void noBase64RunInTheTextOfAStringOrArrayOrInTheDetail() {
    byte[] image = new byte[3_000];
    new java.util.Random(7).nextBytes(image);
    String b64 = Base64.getEncoder().encodeToString(image);
    JsonObject event = new JsonObject().put("id", ID).put("event_type", "screenshot")
      .put("data", new JsonObject().put("screenshot_id", SHOT_ID).put("image", b64));
    java.util.regex.Pattern run = java.util.regex.Pattern.compile("[A-Za-z0-9+/]{40,}");
    for (Object body : List.of(event.encode(), new JsonArray().add(event), b64, "prefix " + b64 + " suffix")) {
      String text = DeadLetterText.describeInput(body);
      assertFalse(run.matcher(text).find(), text);
      assertTrue(text.contains(" base64 characters>"), text);
    }
    // The UUIDs of an input are no base64 run: they stay readable.
    assertTrue(DeadLetterText.describeInput(event.encode()).contains(SHOT_ID));
    String detail = DeadLetterText.detail("event_type \"" + b64 + "\" is unknown; " + "no such type ".repeat(200));
    assertFalse(run.matcher(detail).find(), detail);
    assertTrue(detail.length() <= DeadLetterText.MAX_DETAIL_CHARS + 1, detail.length() + " chars");
    assertTrue(detail.startsWith("event_type \"<" + b64.length() + " base64 characters>\""), detail);
  }
}
