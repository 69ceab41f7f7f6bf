"""Deprecated: the old top-level name of onrecord.crawlers (one release more; import onrecord.crawlers)."""

from onrecord.core.aliases import alias

alias("crawlers", "onrecord.crawlers")
