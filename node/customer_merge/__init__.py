"""Merging a duplicate customer into the one that stays (the survivor)."""
