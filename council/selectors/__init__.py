"""Reads of the council side, by topic: querysets built once, scoped to the caller."""
