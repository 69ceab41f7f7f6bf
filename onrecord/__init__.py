"""onrecord: track what parties to a conflict say on the record, and how their positions move."""

from onrecord.core.version import __version__

__all__ = ["__version__"]
