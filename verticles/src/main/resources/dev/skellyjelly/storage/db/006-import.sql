-- Migration 6: import (CONTRACT §8 Export format). Events restored by import, per window: history, not news. The start-up replay counts
-- them as covered, as if a batch had carried them, so no batch ever does.
CREATE TABLE imported_windows (
  session_id      TEXT    NOT NULL,
  window_start_ms INTEGER NOT NULL,
  n               INTEGER NOT NULL,
  PRIMARY KEY (session_id, window_start_ms)
) WITHOUT ROWID
