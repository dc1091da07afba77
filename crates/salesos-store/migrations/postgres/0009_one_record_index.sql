-- Version 9 merges SQLite's two record indexes into one (see the SQLite migration). PostgreSQL
-- keeps `records_object (object_id, id)` and `records_owner (object_id, owner_id)`: its B-tree
-- splits do not depend on where in the index a key lands the way SQLite's do.
SELECT 1;
