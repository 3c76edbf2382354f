-- Local only (the list index's triggers): peers' replicated schema is unchanged.
--
-- The first triggers marked a note with INSERT ... SELECT ... WHERE NOT EXISTS
-- on the table they insert into, which makes SQLite fill and free a temporary
-- b-tree on every firing: a sixth of merging into an empty replica. An upsert
-- needs none. Unlike OR IGNORE, an ON CONFLICT clause is kept even when the
-- statement that fired the trigger (cr-sqlite's merge) has a conflict clause
-- of its own.
DROP TRIGGER lines_mark_inserted;
DROP TRIGGER lines_mark_updated;
DROP TRIGGER lines_mark_deleted;
CREATE TRIGGER lines_mark_inserted AFTER INSERT ON lines BEGIN
    INSERT INTO note_index_dirty VALUES (NEW.note_id) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER lines_mark_updated AFTER UPDATE ON lines BEGIN
    INSERT INTO note_index_dirty VALUES (OLD.note_id) ON CONFLICT DO NOTHING;
    INSERT INTO note_index_dirty VALUES (NEW.note_id) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER lines_mark_deleted AFTER DELETE ON lines BEGIN
    INSERT INTO note_index_dirty VALUES (OLD.note_id) ON CONFLICT DO NOTHING;
END;
