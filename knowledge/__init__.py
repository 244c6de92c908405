"""The FAQ union staff curate, and the code that loads, checks and matches it."""

from knowledge.model import Entry, FAQError, Problem

__all__ = ["Entry", "FAQError", "Problem"]
