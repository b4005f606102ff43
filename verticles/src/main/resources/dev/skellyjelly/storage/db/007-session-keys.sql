-- Migration 7: session keys. The tables the writer fills per session and time take each session as a small integer
-- given in order of arrival (sessions.sk), not as its id: a new session's rows then go to the end of each table and
-- index, where its id, a random UUID, would put them at a random place (every fresh session made a dozen pages
-- dirty for a few bytes each, and a flood of them outran the writer). The contract's view event_counts still shows
-- the id; batches and screenshots keep theirs.
CREATE TABLE sessions (
  sk         INTEGER PRIMARY KEY,
  session_id TEXT    NOT NULL UNIQUE
)
;
INSERT OR IGNORE INTO sessions (session_id)
  SELECT session_id FROM window_counts
  UNION SELECT session_id FROM activity
  UNION SELECT session_id FROM focus_changes
  UNION SELECT session_id FROM minute_rollups
  UNION SELECT session_id FROM hour_rollups
  UNION SELECT session_id FROM minute_focus
  UNION SELECT session_id FROM hour_focus
  UNION SELECT session_id FROM imported_windows
  UNION SELECT lower(substr(hex(session), 1, 8) || '-' || substr(hex(session), 9, 4) || '-'
    || substr(hex(session), 13, 4) || '-' || substr(hex(session), 17, 4) || '-' || substr(hex(session), 21, 12))
    FROM event_blocks
;
DROP VIEW event_counts
;
CREATE TABLE event_blocks_7 (
  block           INTEGER PRIMARY KEY,
  sk              INTEGER NOT NULL,
  window_start_ms INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  n               INTEGER NOT NULL,
  max_seq         INTEGER NOT NULL,
  data            BLOB    NOT NULL,
  min_seq         INTEGER
)
;
INSERT INTO event_blocks_7 (block, sk, window_start_ms, event_type, n, max_seq, data, min_seq)
  SELECT e.block, s.sk, e.window_start_ms, e.event_type, e.n, e.max_seq, e.data, e.min_seq
  FROM event_blocks e JOIN sessions s ON s.session_id = lower(substr(hex(e.session), 1, 8) || '-'
    || substr(hex(e.session), 9, 4) || '-' || substr(hex(e.session), 13, 4) || '-' || substr(hex(e.session), 17, 4)
    || '-' || substr(hex(e.session), 21, 12))
;
DROP TABLE event_blocks
;
ALTER TABLE event_blocks_7 RENAME TO event_blocks
;
CREATE INDEX event_blocks_by_window ON event_blocks (sk, window_start_ms)
;
CREATE INDEX event_blocks_by_start ON event_blocks (window_start_ms, sk)
;
CREATE INDEX event_blocks_by_max_seq ON event_blocks (max_seq)
;
CREATE TABLE window_counts_7 (
  sk              INTEGER NOT NULL,
  window_start_ms INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (sk, window_start_ms, event_type)
) WITHOUT ROWID
;
INSERT INTO window_counts_7 SELECT s.sk, c.window_start_ms, c.event_type, c.n
  FROM window_counts c JOIN sessions s ON s.session_id = c.session_id
;
DROP TABLE window_counts
;
ALTER TABLE window_counts_7 RENAME TO window_counts
;
CREATE INDEX window_counts_by_start ON window_counts (window_start_ms)
;
CREATE VIEW event_counts AS
  SELECT s.session_id, c.window_start_ms, t.name AS event_type, c.n
  FROM window_counts c JOIN sessions s ON s.sk = c.sk JOIN event_types t ON t.code = c.event_type
;
CREATE TABLE focus_changes_7 (
  sk    INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  seq   INTEGER NOT NULL,
  app   TEXT    NOT NULL,
  PRIMARY KEY (sk, ts_ms, seq)
) WITHOUT ROWID
;
INSERT INTO focus_changes_7 SELECT s.sk, f.ts_ms, f.seq, f.app
  FROM focus_changes f JOIN sessions s ON s.session_id = f.session_id
;
DROP TABLE focus_changes
;
ALTER TABLE focus_changes_7 RENAME TO focus_changes
;
CREATE INDEX focus_changes_by_time ON focus_changes (ts_ms)
;
CREATE TABLE activity_7 (
  sk       INTEGER NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms   INTEGER NOT NULL,
  PRIMARY KEY (sk, start_ms)
) WITHOUT ROWID
;
INSERT INTO activity_7 SELECT s.sk, a.start_ms, a.end_ms FROM activity a JOIN sessions s ON s.session_id = a.session_id
;
DROP TABLE activity
;
ALTER TABLE activity_7 RENAME TO activity
;
CREATE INDEX activity_by_end ON activity (end_ms)
;
CREATE TABLE minute_rollups_7 (
  bucket_ms       INTEGER NOT NULL,
  sk              INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  app             TEXT    NOT NULL,
  n               INTEGER NOT NULL,
  interval_n      INTEGER NOT NULL DEFAULT 0,
  interval_sum_ms INTEGER NOT NULL DEFAULT 0,
  cpu_sum         REAL    NOT NULL DEFAULT 0,
  memory_max_mb   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_ms, sk, event_type, app)
) WITHOUT ROWID
;
INSERT INTO minute_rollups_7 SELECT r.bucket_ms, s.sk, r.event_type, r.app, r.n, r.interval_n, r.interval_sum_ms,
  r.cpu_sum, r.memory_max_mb FROM minute_rollups r JOIN sessions s ON s.session_id = r.session_id
;
DROP TABLE minute_rollups
;
ALTER TABLE minute_rollups_7 RENAME TO minute_rollups
;
CREATE TABLE hour_rollups_7 (
  bucket_ms       INTEGER NOT NULL,
  sk              INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  app             TEXT    NOT NULL,
  n               INTEGER NOT NULL,
  interval_n      INTEGER NOT NULL DEFAULT 0,
  interval_sum_ms INTEGER NOT NULL DEFAULT 0,
  cpu_sum         REAL    NOT NULL DEFAULT 0,
  memory_max_mb   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_ms, sk, event_type, app)
) WITHOUT ROWID
;
INSERT INTO hour_rollups_7 SELECT r.bucket_ms, s.sk, r.event_type, r.app, r.n, r.interval_n, r.interval_sum_ms,
  r.cpu_sum, r.memory_max_mb FROM hour_rollups r JOIN sessions s ON s.session_id = r.session_id
;
DROP TABLE hour_rollups
;
ALTER TABLE hour_rollups_7 RENAME TO hour_rollups
;
CREATE TABLE minute_focus_7 (
  bucket_ms  INTEGER NOT NULL,
  sk         INTEGER NOT NULL,
  app        TEXT    NOT NULL,
  focused_ms INTEGER NOT NULL,
  switches   INTEGER NOT NULL,
  PRIMARY KEY (bucket_ms, sk, app)
) WITHOUT ROWID
;
INSERT INTO minute_focus_7 SELECT f.bucket_ms, s.sk, f.app, f.focused_ms, f.switches
  FROM minute_focus f JOIN sessions s ON s.session_id = f.session_id
;
DROP TABLE minute_focus
;
ALTER TABLE minute_focus_7 RENAME TO minute_focus
;
CREATE TABLE hour_focus_7 (
  bucket_ms  INTEGER NOT NULL,
  sk         INTEGER NOT NULL,
  app        TEXT    NOT NULL,
  focused_ms INTEGER NOT NULL,
  switches   INTEGER NOT NULL,
  PRIMARY KEY (bucket_ms, sk, app)
) WITHOUT ROWID
;
INSERT INTO hour_focus_7 SELECT f.bucket_ms, s.sk, f.app, f.focused_ms, f.switches
  FROM hour_focus f JOIN sessions s ON s.session_id = f.session_id
;
DROP TABLE hour_focus
;
ALTER TABLE hour_focus_7 RENAME TO hour_focus
;
CREATE TABLE imported_windows_7 (
  sk              INTEGER NOT NULL,
  window_start_ms INTEGER NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (sk, window_start_ms)
) WITHOUT ROWID
;
INSERT INTO imported_windows_7 SELECT s.sk, i.window_start_ms, i.n
  FROM imported_windows i JOIN sessions s ON s.session_id = i.session_id
;
DROP TABLE imported_windows
;
ALTER TABLE imported_windows_7 RENAME TO imported_windows
