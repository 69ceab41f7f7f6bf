"""Watchlists' immediate alerts: worded like the digest (render), delivered from the store's outbox (deliver)."""

from onrecord.alerts.deliver import DeliveryRun, deliver_pending

__all__ = ["DeliveryRun", "deliver_pending"]
