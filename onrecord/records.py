"""Deprecated: moved to onrecord.core.records (this name goes in the next release)."""

import sys
import warnings

from onrecord.core import records as _moved

warnings.warn("onrecord.records is deprecated; import onrecord.core.records", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved
