package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.InvalidEventException;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.Messages.ImportChunk;
import dev.skellyjelly.storage.impl.Messages.ImportResult;
import dev.skellyjelly.storage.impl.Messages.Imported;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an export line by line for import (CONTRACT §8): the header first, then each event validated like the
 * receiver's input and gathered into chunks of {@link #CHUNK_EVENTS}, each sent to the writer on
 * {@link InternalAddresses#IMPORT} while the reader waits (so at most one chunk is held). An invalid line is
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
   * Takes the next line (without its line end); true when a chunk is full and must be {@link #send sent} before
   * the next line.
   *
   * @throws IllegalArgumentException when the first line is not the export header
   */
  public boolean add(String line) {
    lines++;
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

  /** A line longer than {@link #MAX_LINE_BYTES}: skipped and counted as invalid. */
  public void tooLong() {
    lines++;
    invalid++;
    if (firstInvalid == null) {
      firstInvalid = "line " + lines + ": longer than " + MAX_LINE_BYTES + " bytes";
    }
  }

  /** Sends what was gathered to the writer; completes once it is committed. */
  public Future<Void> send() {
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

  /** Whether any line was read: an empty input has no header. */
  public boolean started() {
    return lines > 0;
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
