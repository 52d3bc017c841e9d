"""Generic create/read/update/tombstone over a replicated table, shared by every domain."""
