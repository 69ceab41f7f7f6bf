"""Deprecated: moved to onrecord.core.config_reference (this name goes in the next release)."""

import sys
import warnings

from onrecord.core import config_reference as _moved

warnings.warn(
    "onrecord.config_reference is deprecated; import onrecord.core.config_reference", DeprecationWarning, stacklevel=2
)
sys.modules[__name__] = _moved
