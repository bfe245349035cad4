"""The audit trail: every write and every read of personal data, hash-chained."""
