"""onrecord: track what parties to a conflict say on the record, and how their positions move."""

__version__ = "0.1.0"
