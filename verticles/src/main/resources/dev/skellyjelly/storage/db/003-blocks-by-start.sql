-- Migration 3: the blocks of one window start, session by session. Past its bound on windows the batcher keeps
-- no record of a window at all; when the window's start closes, it finds the window here and emits it.

CREATE INDEX event_blocks_by_start ON event_blocks (window_start_ms, session)
;
