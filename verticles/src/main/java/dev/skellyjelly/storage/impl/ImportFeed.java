package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.InvalidEventException;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.Messages.ImportChunk;
import dev.skellyjelly.storage.impl.Messages.ImportResult;
import dev.skellyjelly.storage.impl.Messages.Imported;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an export's bytes as they come for import (CONTRACT §8): line by line, the header first, then each event
 * validated like the receiver's input and gathered into chunks of {@link #CHUNK_EVENTS}, each sent to the writer on
 * {@link InternalAddresses#IMPORT} while the input waits (so at most one chunk and one line are held). An invalid line is
 * skipped and counted, the first one named with its line number; its valid neighbours are imported, and
 * importing the corrected file again stores only what was missing.
 */
public final class ImportFeed {

  /** Events per chunk: one writer transaction. */
  public static final int CHUNK_EVENTS = 5_000;
  /** The longest line read: an event without image is far smaller. */
  public static final int MAX_LINE_BYTES = 1 << 20;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(300_000);

  private final Vertx vertx;
  private final InstantSource clock;
  private final ValidationLimits limits;
  private List<Imported> chunk = new ArrayList<>();
  /** The bytes of a line not yet ended. */
  private Buffer pending = Buffer.buffer();
  private long lines;
  private long stored;
  private long duplicates;
  private long tooRecent;
  private long invalid;
  private String firstInvalid;

  public ImportFeed(Vertx vertx, InstantSource clock, ValidationLimits limits) {
    this.vertx = vertx;
    this.clock = clock;
    this.limits = limits;
  }

  /**
   * Takes the next bytes of the input: each complete line is read, and whenever a chunk fills it is sent to the
   * writer before the next line is read. The future completes once every complete line is taken (the input may be
   * paused until then); it fails when the header is wrong or a line is longer than {@link #MAX_LINE_BYTES}.
   */
  public Future<Void> push(Buffer data) {
    try {
      return consume(data, 0);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  /** Reads a last line without line end, sends what is left and gives the {@link #summary}. */
  public Future<JsonObject> finish() {
    try {
      if (pending.length() > 0) {
        add(pending.toString(StandardCharsets.UTF_8));
        pending = Buffer.buffer();
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (lines == 0) {
      return Future.failedFuture(new IllegalArgumentException("the input is empty: no " + ExportFormat.FORMAT
        + " header"));
    }
    return send().map(v -> summary());
  }

  private Future<Void> consume(Buffer data, int from) {
    int start = from;
    for (int i = from; i < data.length(); i++) {
      if (data.getByte(i) != '\n') {
        continue;
      }
      if (pending.length() + i - start > MAX_LINE_BYTES) {
        throw tooLong();
      }
      String line;
      if (pending.length() > 0) {
        line = pending.appendBuffer(data, start, i - start).toString(StandardCharsets.UTF_8);
        pending = Buffer.buffer();
      } else {
        line = data.getString(start, i, "UTF-8");
      }
      start = i + 1;
      if (add(line)) {
        int next = start;
        return send().compose(v -> consume(data, next));
      }
    }
    if (pending.length() + data.length() - start > MAX_LINE_BYTES) {
      throw tooLong();
    }
    pending.appendBuffer(data, start, data.length() - start);
    return Future.succeededFuture();
  }

  private IllegalArgumentException tooLong() {
    return new IllegalArgumentException("line " + (lines + 1) + " is longer than " + MAX_LINE_BYTES + " bytes");
  }

  /** Takes one line (without its line end); true when a chunk is full and must be sent before the next line. */
  private boolean add(String line) {
    lines++;
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (lines == 1) {
      ExportFormat.checkHeader(line);
      return false;
    }
    if (line.isBlank()) {
      return false;
    }
    try {
      chunk.add(ExportFormat.parse(line, clock.millis(), limits));
    } catch (InvalidEventException e) {
      invalid++;
      if (firstInvalid == null) {
        firstInvalid = "line " + lines + ": " + e.reason().wireName() + ": " + e.detail();
      }
    }
    return chunk.size() >= CHUNK_EVENTS;
  }

  /** Sends what was gathered to the writer; completes once it is committed. */
  private Future<Void> send() {
    if (chunk.isEmpty()) {
      return Future.succeededFuture();
    }
    ImportChunk sent = new ImportChunk(chunk);
    chunk = new ArrayList<>();
    return vertx.eventBus().<ImportResult>request(InternalAddresses.IMPORT, sent, LOCAL).map(reply -> {
      stored += reply.body().stored();
      duplicates += reply.body().duplicates();
      tooRecent += reply.body().tooRecent();
      return null;
    });
  }

  /** Whether some line was invalid. */
  public boolean hadInvalid() {
    return invalid > 0;
  }

  /** What the import did: {@code imported}, {@code duplicates}, {@code too_recent}, {@code invalid}, {@code first_invalid}. */
  public JsonObject summary() {
    return new JsonObject().put("imported", stored).put("duplicates", duplicates).put("too_recent", tooRecent)
      .put("invalid", invalid).put("first_invalid", firstInvalid);
  }
}
