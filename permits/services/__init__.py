"""Every write of the permit side: one transaction, one audit event, its notifications in the outbox."""
