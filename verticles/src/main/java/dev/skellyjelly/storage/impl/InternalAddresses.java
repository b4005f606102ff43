package dev.skellyjelly.storage.impl;

/**
 * Addresses between the module's own verticles: local-only consumers, local-only delivery. (Bridges hand their
 * raw events to the receiver directly: {@code StorageModule.rawEventInlet()}.)
 */
public final class InternalAddresses {

  /** Receiver → writer: a {@link Messages.WriteGroup}, answered with a {@link Messages.CommitReceipt} after commit. */
  public static final String WRITE = "skelly.storage.internal.write";
  /** Writer → batcher: a {@link Messages.CommittedGroup}, published after each commit. */
  public static final String COMMITTED = "skelly.storage.internal.committed";
  /** Batcher → writer: {@link Messages.BatchRecords} of emitted batches, answered after commit. */
  public static final String BATCH_RECORDS = "skelly.storage.internal.batch-records";
  /** Batcher → writer: {@link Messages.ReplayRequest}, answered with {@link Messages.ReplayPlan}. */
  public static final String REPLAY = "skelly.storage.internal.replay";
  /** Batcher → writer: {@link Messages.WindowQuery}, answered with {@link Messages.WindowEvents}. */
  public static final String WINDOW_EVENTS = "skelly.storage.internal.window-events";
  /**
   * Batcher → writer: {@link Messages.SweepQuery}, answered with {@link Messages.SweepPage}: windows of one
   * start that the batcher kept no record of, read from the database.
   */
  public static final String WINDOW_SWEEP = "skelly.storage.internal.window-sweep";
  /** Batcher → writer: {@link Messages.FiringsQuery}, answered with {@link Messages.LastFirings}. */
  public static final String LAST_FIRINGS = "skelly.storage.internal.last-firings";
  /** Receiver → screenshot store: a {@link Messages.StoreScreenshot}, answered with a ScreenshotRef. */
  public static final String SCREENSHOT_STORE = "skelly.storage.internal.screenshot-store";
  /** Batcher → screenshot store: {@link Messages.BatchEmitted}. */
  public static final String BATCH_EMITTED = "skelly.storage.internal.batch-emitted";
  /**
   * Receiver → screenshot store: {@link Messages.DuplicateScreenshots}, the screenshots of events the writer
   * found re-sent (not stored again): pixels no batch will carry.
   */
  public static final String SCREENSHOT_DUPLICATE = "skelly.storage.internal.screenshot-duplicate";
  /** Screenshot store → writer: {@link Messages.ScreenshotDeletions}, answered after commit. */
  public static final String SCREENSHOT_DELETED = "skelly.storage.internal.screenshot-deleted";
  /**
   * Capture control (owned by the privacy side, asked by the query side): {@code {"op":"pause","until_ms":long|null}},
   * {@code {"op":"resume"}} or {@code {"op":"state"}} → {@code {"paused":bool,"until_ms":long|null,
   * "since_ms":long|null,"dropped_while_paused":long}}.
   */
  public static final String CAPTURE = "skelly.storage.internal.capture";
  /**
   * Deletion (owned by the privacy side, asked by the query side): {@code {"from_ms","to_ms","types":[names]|null,
   * "app":string|null,"dry_run":bool}} → {@code {"dry_run","from_ms","to_ms","events","screenshots","batches",
   * "bytes_freed"}}.
   */
  public static final String DELETE = "skelly.storage.internal.delete";

  /** Writer → receiver: a deletion begins; what was accepted goes to the writer now. Answered once it is sent. */
  public static final String HAND_OVER = "skelly.storage.internal.hand-over";
  /**
   * Writer → batcher: a deletion begins ({@code "hold"}, any body), answered with {@link Messages.RecordedWindows}; no
   * window fires until a {@link Messages.DeletionRelease} arrives on {@link #DELETION_RELEASE}.
   */
  public static final String DELETION_HOLD = "skelly.storage.internal.deletion-hold";
  /** Writer → batcher: {@link Messages.DeletionRelease}, answered once the removed events are out of the windows. */
  public static final String DELETION_RELEASE = "skelly.storage.internal.deletion-release";
  /** Writer → screenshot store: {@link Messages.ForgetScreenshots}, answered once their pixels are gone. */
  public static final String SCREENSHOT_FORGET = "skelly.storage.internal.screenshot-forget";

  /** Capture verticle → writer: a {@link Messages.PauseRecord} to store, answered after commit. */
  public static final String PAUSE_RECORD = "skelly.storage.internal.pause-record";

  /**
   * Import (HTTP {@code POST /import} or the command line) → writer: a {@link Messages.ImportChunk}, answered with a
   * {@link Messages.ImportResult} once committed. Nothing of it reaches the batcher.
   */
  public static final String IMPORT = "skelly.storage.internal.import";

  private InternalAddresses() {
  }
}
