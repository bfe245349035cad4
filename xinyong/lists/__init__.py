"""Red and black lists (名单): declarative definitions, entries derived from records."""
