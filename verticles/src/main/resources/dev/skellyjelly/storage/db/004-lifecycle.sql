-- Migration 4: the data lifecycle. Rollups per minute and per hour, the inputs of the focus rule (focus changes
-- and active time, per session), pauses of capture, and how much of each batch's window was paused.

ALTER TABLE batches ADD COLUMN paused_ms INTEGER NOT NULL DEFAULT 0
;
-- Every stored window_focus, by session and time (an excluded one as the app '(private)'); seq is the event's
-- commit sequence number, so two focus changes at one millisecond stay two.
CREATE TABLE focus_changes (
  session_id TEXT    NOT NULL,
  ts_ms      INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  app        TEXT    NOT NULL,
  PRIMARY KEY (session_id, ts_ms, seq)
) WITHOUT ROWID
;
CREATE INDEX focus_changes_by_time ON focus_changes (ts_ms)
;
-- Active time per session as merged intervals [start_ms, end_ms): an input event at t makes
-- [t, t + idle_after_seconds) active.
CREATE TABLE activity (
  session_id TEXT    NOT NULL,
  start_ms   INTEGER NOT NULL,
  end_ms     INTEGER NOT NULL,
  PRIMARY KEY (session_id, start_ms)
) WITHOUT ROWID
;
-- Per bucket (UTC epoch milliseconds of its start), session, event type and focused app: the events, and for
-- keystrokes the inter-key intervals present and their sum, for resource usage the sum of CPU percentages
-- (mean = cpu_sum / n) and the largest memory.
CREATE TABLE minute_rollups (
  bucket_ms       INTEGER NOT NULL,
  session_id      TEXT    NOT NULL,
  event_type      INTEGER NOT NULL,
  app             TEXT    NOT NULL,
  n               INTEGER NOT NULL,
  interval_n      INTEGER NOT NULL DEFAULT 0,
  interval_sum_ms INTEGER NOT NULL DEFAULT 0,
  cpu_sum         REAL    NOT NULL DEFAULT 0,
  memory_max_mb   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_ms, session_id, event_type, app)
) WITHOUT ROWID
;
CREATE TABLE hour_rollups (
  bucket_ms       INTEGER NOT NULL,
  session_id      TEXT    NOT NULL,
  event_type      INTEGER NOT NULL,
  app             TEXT    NOT NULL,
  n               INTEGER NOT NULL,
  interval_n      INTEGER NOT NULL DEFAULT 0,
  interval_sum_ms INTEGER NOT NULL DEFAULT 0,
  cpu_sum         REAL    NOT NULL DEFAULT 0,
  memory_max_mb   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_ms, session_id, event_type, app)
) WITHOUT ROWID
;
-- Per bucket, session and app: the milliseconds the app had the focus while the person was active, and the
-- window_focus events into it.
CREATE TABLE minute_focus (
  bucket_ms  INTEGER NOT NULL,
  session_id TEXT    NOT NULL,
  app        TEXT    NOT NULL,
  focused_ms INTEGER NOT NULL,
  switches   INTEGER NOT NULL,
  PRIMARY KEY (bucket_ms, session_id, app)
) WITHOUT ROWID
;
CREATE TABLE hour_focus (
  bucket_ms  INTEGER NOT NULL,
  session_id TEXT    NOT NULL,
  app        TEXT    NOT NULL,
  focused_ms INTEGER NOT NULL,
  switches   INTEGER NOT NULL,
  PRIMARY KEY (bucket_ms, session_id, app)
) WITHOUT ROWID
;
-- Pauses of capture, [start_ms, end_ms); end_ms is NULL for a pause until resumed, and is set ahead for a timed one.
CREATE TABLE pauses (
  start_ms INTEGER PRIMARY KEY,
  end_ms   INTEGER
)
;
-- The lifecycle's own state, one integer per name (for example the hour through which hour rollups are derived).
CREATE TABLE lifecycle (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID
;
-- The largest commit sequence number stored, without reading every block: where the writer starts counting, and
-- the snapshot of a first page of events.
CREATE INDEX event_blocks_by_max_seq ON event_blocks (max_seq)
