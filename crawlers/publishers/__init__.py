"""Publisher-specific parsers, only for outlets the generic extraction cannot handle (none needed yet)."""
