"""The public portal (信用门户)."""
