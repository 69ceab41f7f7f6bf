"""Sent-digest records, as the digest uses them; the table is read and written by onrecord.storage.digests."""

from onrecord.storage.digests import DONE_STATUSES, find_done, history, recipients_key, record_digest

__all__ = ["DONE_STATUSES", "find_done", "history", "recipients_key", "record_digest"]
