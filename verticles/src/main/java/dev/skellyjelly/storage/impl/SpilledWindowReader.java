package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowQuery;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a spilled window's committed events back from the writer, a page of {@code max_events_per_batch}
 * events at a time, in commit order. The window's screenshot references come along with its first page.
 */
final class SpilledWindowReader {

  private final EventBus bus;
  private final DeliveryOptions local;
  private final int pageSize;

  SpilledWindowReader(EventBus bus, DeliveryOptions local, int pageSize) {
    this.bus = bus;
    this.local = local;
    this.pageSize = pageSize;
  }

  int pageSize() {
    return pageSize;
  }

  /** The events of {@code w} with {@code afterSeq < seq <= uptoSeq}, at most a page of them. */
  Future<WindowEvents> page(Window.Spilled w, long afterSeq, long uptoSeq) {
    WindowQuery query = new WindowQuery(w.key().sessionId(), w.key().windowStartMs(), afterSeq, uptoSeq, pageSize);
    return bus.<WindowEvents>request(InternalAddresses.WINDOW_EVENTS, query, local)
      .map(reply -> {
        if (w.refs().isEmpty()) {
          w.refs().addAll(reply.body().refs());
        }
        return reply.body();
      });
  }

  /** Whether a page is the last of its range: a full page may have more after it. */
  boolean isLast(WindowEvents page) {
    return page.events().size() < pageSize;
  }

  /** Every event of {@code w} from its {@code afterSeq} up to {@code uptoSeq}, for a window small enough to hold. */
  Future<List<RawEvent>> readAll(Window.Spilled w, long uptoSeq) {
    List<RawEvent> all = new ArrayList<>();
    return readFrom(w, w.afterSeq(), uptoSeq, all).map(v -> all);
  }

  private Future<Void> readFrom(Window.Spilled w, long after, long uptoSeq, List<RawEvent> all) {
    return page(w, after, uptoSeq).compose(p -> {
      all.addAll(p.events());
      return isLast(p) ? Future.succeededFuture() : readFrom(w, p.lastSeq(), uptoSeq, all);
    });
  }
}
