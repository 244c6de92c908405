"""Text cleaning shared by the matcher (`knowledge/`) and the calculators (`calculators/`).

Below both: it imports neither, so the two never need each other for text.
"""

from textnorm.normalize import canonical, clean, fold, same_words, to_simplified
from textnorm.numerals import arabic_counts, chinese_number
from textnorm.slips import apply_slips, read_slips

__all__ = ["apply_slips", "arabic_counts", "canonical", "chinese_number", "clean", "fold", "read_slips",
           "same_words", "to_simplified"]
