-- Migration 5: retention. Each tier is deleted oldest first, a range of window starts or buckets at a time; these
-- indexes let each step find its range without scanning a table.

-- The oldest windows' counts and batches.
CREATE INDEX window_counts_by_start ON window_counts (window_start_ms)
;
CREATE INDEX batches_by_start ON batches (window_start_ms)
;
-- Screenshots whose window_title has not been cleared yet, by window: the rows retention still has to clear.
CREATE INDEX screenshots_titled_by_start ON screenshots (window_start_ms) WHERE window_title <> ''
;
-- Active time by when it ended.
CREATE INDEX activity_by_end ON activity (end_ms)
