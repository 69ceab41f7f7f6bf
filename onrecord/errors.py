"""Deprecated: moved to onrecord.core.errors (this name goes in the next release)."""

import sys
import warnings

from onrecord.core import errors as _moved

warnings.warn("onrecord.errors is deprecated; import onrecord.core.errors", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved
