"""Sent-digest records, as the digest uses them; the table is read and written by onrecord.storage.digests."""

from onrecord.storage.digests import DONE_STATUSES, find_done, history, record_digest, recipients_key

__all__ = ["DONE_STATUSES", "find_done", "history", "record_digest", "recipients_key"]
