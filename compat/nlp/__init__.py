"""Deprecated: the old top-level name of onrecord.nlp (one release more; import onrecord.nlp)."""

from onrecord.core.aliases import alias

alias("nlp", "onrecord.nlp")
