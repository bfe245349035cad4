"""Staff pages (the console)."""
