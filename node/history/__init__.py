"""Field-level change history: who changed which field of a row, when, from what to what."""
