"""Moved to `council.policies`; this name stays only until `council.services.reports` imports from there."""

from council.policies import require_officer

__all__ = ["require_officer"]
