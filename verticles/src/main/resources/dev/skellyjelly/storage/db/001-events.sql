-- Migration 1: events (time-series blocks), recent producer ids, per-window counts, batches, screenshots.
-- Statements are separated by a line holding only ";".

CREATE TABLE event_types (
  code INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
)
;
INSERT INTO event_types (code, name) VALUES
  (0, 'keystroke'), (1, 'mouse_move'), (2, 'mouse_click'), (3, 'window_focus'),
  (4, 'screenshot'), (5, 'process'), (6, 'resource')
;
-- The time-series store. Every commit writes its events as one piece per (session, window, event type);
-- once a window has been emitted its pieces are compacted into one block per type. A block holds its
-- events' commit sequence numbers, timestamps, ids and fields as delta-encoded columns, LZ4-compressed
-- (see EventBlocks); session is a 16-byte UUID; max_seq is the block's last sequence number.
CREATE TABLE event_blocks (
  block           INTEGER PRIMARY KEY,
  session         BLOB    NOT NULL,
  window_start_ms INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  n               INTEGER NOT NULL,
  max_seq         INTEGER NOT NULL,
  data            BLOB    NOT NULL
)
;
CREATE INDEX event_blocks_by_window ON event_blocks (session, window_start_ms)
;
-- Ids chosen by producers, kept one to two hours for de-duplication: each table holds one hour
-- (recent_ids_hours says which) and is emptied when its slot comes round again.
CREATE TABLE recent_ids_0 (id BLOB PRIMARY KEY) WITHOUT ROWID
;
CREATE TABLE recent_ids_1 (id BLOB PRIMARY KEY) WITHOUT ROWID
;
CREATE TABLE recent_ids_hours (
  tbl  INTEGER PRIMARY KEY,
  hour INTEGER NOT NULL
)
;
INSERT INTO recent_ids_hours (tbl, hour) VALUES (0, -1), (1, -1)
;
-- Exact committed counts per (session, window, type), updated in the transaction that commits the events.
CREATE TABLE window_counts (
  session_id      TEXT    NOT NULL,
  window_start_ms INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (session_id, window_start_ms, event_type)
) WITHOUT ROWID
;
CREATE VIEW event_counts AS
  SELECT c.session_id, c.window_start_ms, t.name AS event_type, c.n
  FROM window_counts c JOIN event_types t ON t.code = c.event_type
;
CREATE TABLE batches (
  window_id        TEXT    PRIMARY KEY,
  session_id       TEXT    NOT NULL,
  window_start_ms  INTEGER NOT NULL,
  window_end_ms    INTEGER NOT NULL,
  part             INTEGER NOT NULL,
  parts            INTEGER NOT NULL,
  firing           INTEGER NOT NULL,
  event_count      INTEGER NOT NULL,
  screenshot_count INTEGER NOT NULL,
  late             INTEGER NOT NULL,
  replayed         INTEGER NOT NULL,
  emitted_at_ms    INTEGER NOT NULL
)
;
CREATE INDEX batches_by_window ON batches (session_id, window_start_ms)
;
-- Screenshot metadata, kept permanently; the pixels never enter the database.
CREATE TABLE screenshots (
  screenshot_id   TEXT    PRIMARY KEY,
  session_id      TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  ts_ms           INTEGER NOT NULL,
  window_start_ms INTEGER NOT NULL,
  format          TEXT    NOT NULL,
  size_bytes      INTEGER NOT NULL,
  width           INTEGER,
  height          INTEGER,
  storage         TEXT    NOT NULL,
  app_name        TEXT    NOT NULL,
  window_title    TEXT    NOT NULL,
  region_x        INTEGER NOT NULL,
  region_y        INTEGER NOT NULL,
  region_width    INTEGER NOT NULL,
  region_height   INTEGER NOT NULL,
  privacy_masked  INTEGER NOT NULL,
  deleted_at_ms   INTEGER,
  deleted_reason  TEXT
)
;
CREATE INDEX screenshots_by_window ON screenshots (session_id, window_start_ms)
