-- Migration 2: each block records its first commit sequence number too, so a window far larger than memory
-- can be read in pages of consecutive events, touching only the blocks a page needs. Blocks written before
-- this migration have none (NULL) and are read as if they started at 0.

ALTER TABLE event_blocks ADD COLUMN min_seq INTEGER
;
