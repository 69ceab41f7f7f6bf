"""Deprecated: the old top-level name of onrecord.storage (one release more; import onrecord.storage)."""

from onrecord.core.aliases import alias

alias("storage", "onrecord.storage")
