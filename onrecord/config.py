"""Deprecated: moved to onrecord.core.config (this name goes in the next release)."""

import sys
import warnings

from onrecord.core import config as _moved

warnings.warn("onrecord.config is deprecated; import onrecord.core.config", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = _moved
