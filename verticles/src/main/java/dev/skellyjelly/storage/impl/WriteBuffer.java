package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.BatchRecords;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletions;
import dev.skellyjelly.storage.impl.Messages.WriteGroup;
import io.vertx.core.eventbus.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * What waits for the writer's next commit: groups of accepted events, batch records and screenshot
 * deletions, each with the message to answer once committed. A commit takes everything; a failed one puts
 * it back ahead of what arrived meanwhile, so that order is kept.
 */
final class WriteBuffer {

  /** What one commit takes. */
  record Taken(List<Message<WriteGroup>> groups, List<Message<BatchRecords>> records,
               List<Message<ScreenshotDeletions>> deletions, int events) {

    /** Every accepted event, in the order the groups arrived. */
    List<Accepted> entries() {
      List<Accepted> all = new ArrayList<>(events);
      for (Message<WriteGroup> m : groups) {
        all.addAll(m.body().entries());
      }
      return all;
    }

    List<BatchRecord> batchRecords() {
      List<BatchRecord> all = new ArrayList<>();
      for (Message<BatchRecords> m : records) {
        all.addAll(m.body().records());
      }
      return all;
    }

    List<ScreenshotDeletion> screenshotDeletions() {
      List<ScreenshotDeletion> all = new ArrayList<>();
      for (Message<ScreenshotDeletions> m : deletions) {
        all.addAll(m.body().deletions());
      }
      return all;
    }
  }

  private List<Message<WriteGroup>> groups = new ArrayList<>();
  private List<Message<BatchRecords>> records = new ArrayList<>();
  private List<Message<ScreenshotDeletions>> deletions = new ArrayList<>();
  private int events;

  void add(Message<WriteGroup> group) {
    groups.add(group);
    events += group.body().entries().size();
  }

  void addRecords(Message<BatchRecords> msg) {
    records.add(msg);
  }

  void addDeletions(Message<ScreenshotDeletions> msg) {
    deletions.add(msg);
  }

  /** The accepted events waiting. */
  int events() {
    return events;
  }

  boolean isEmpty() {
    return groups.isEmpty() && records.isEmpty() && deletions.isEmpty();
  }

  /** Everything waiting; the buffer is empty afterwards. */
  Taken take() {
    Taken taken = new Taken(groups, records, deletions, events);
    groups = new ArrayList<>();
    records = new ArrayList<>();
    deletions = new ArrayList<>();
    events = 0;
    return taken;
  }

  /** Puts back what a failed commit took, ahead of what arrived since. */
  void putBack(Taken taken) {
    taken.groups().addAll(groups);
    groups = taken.groups();
    taken.records().addAll(records);
    records = taken.records();
    taken.deletions().addAll(deletions);
    deletions = taken.deletions();
    events += taken.events();
  }
}
