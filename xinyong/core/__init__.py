"""Shared core: settings, database, errors, security, working-day calendar."""
