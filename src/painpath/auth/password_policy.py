"""Which passwords are accepted: NIST SP 800-63B rev. 4 §3.1.1.2, without composition rules.

- At least 15 characters (the rev. 4 minimum for a password used as a single factor: patients
  sign in with a password alone, and staff enroll TOTP on top of it), at most 256 (≥ 64 as
  required). Any printable character, spaces included; compared after Unicode NFKC.
- Not on the blocklist: the 30,000 most common breached passwords (data/SOURCES.md), also when
  padded with digits or symbols ("password12345678!"), repeated ("dragondragondragon"),
  built from one to three distinct characters, a run of consecutive characters, or a walk
  along keyboard rows.
- Not built on context words: the username, parts of the person's name and the service name;
  what remains once they are removed must itself be a passable password of 8+ characters.
"""

from __future__ import annotations

import gzip
import itertools
import string
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 15
MAX_PASSWORD_LENGTH = 256
#: What must be left once context words are taken out of a password.
MIN_REMAINDER_LENGTH = 8
SERVICE_WORDS = ("painpath",)
BLOCKLIST_PATH = Path(__file__).parent / "data" / "common-passwords.txt.gz"
_PADDING = string.digits + string.punctuation + string.whitespace
#: Rows of a US keyboard, for keyboard walks ("qwertyuiopasdfgh", "1qaz…" is in the blocklist).
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_WALK_PIECE = 3


class WeakPasswordError(ValueError):
    pass


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(BLOCKLIST_PATH, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def normalize(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problem(password: str, *, context: Iterable[str] = ()) -> str | None:
    """Why `password` is refused (a sentence for the person choosing it), or None."""
    normalized = normalize(password)
    if len(normalized) < MIN_PASSWORD_LENGTH:
        return f"password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(normalized) > MAX_PASSWORD_LENGTH:
        return f"password must be at most {MAX_PASSWORD_LENGTH} characters"
    folded = normalized.casefold()
    if _guessable(folded):
        return (
            "password is too common or predictable (a known breached password, a repeat or a run)"
        )
    remainder = folded
    words = _context_words(context)
    for word in words:
        remainder = remainder.replace(word, "")
    if remainder != folded and (
        len(remainder.strip(_PADDING)) < MIN_REMAINDER_LENGTH or _guessable(remainder)
    ):
        return "password is built on your username, your name or the service name"
    return None


def check_password(password: str, *, context: Iterable[str] = ()) -> None:
    if problem := password_problem(password, context=context):
        raise WeakPasswordError(problem)


def _context_words(context: Iterable[str]) -> list[str]:
    words = {word.casefold() for word in SERVICE_WORDS}
    for text in context:
        folded = normalize(text).casefold().strip()
        if len(folded) >= 3:
            words.add(folded)
        words.update(part for part in _split_words(folded) if len(part) >= 4)
    return sorted(words, key=len, reverse=True)


def _split_words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text).split()


def _guessable(folded: str) -> bool:
    core = folded.strip(_PADDING)
    common = common_passwords()
    if folded in common or (len(core) >= 4 and core in common):
        return True
    if len(set(folded)) <= 3:
        return True
    text = core or folded
    return _is_run(text) or _is_repeat(text, common) or _is_keyboard_walk(text)


def _is_keyboard_walk(text: str) -> bool:
    """Made only of stretches of 3+ neighbouring keys on one row ("qwertyuiopasdfgh")."""
    rows = [*_KEYBOARD_ROWS, *(row[::-1] for row in _KEYBOARD_ROWS)]
    position = 0
    while position < len(text):
        longest = 0
        for row in rows:
            size = _WALK_PIECE
            while position + size <= len(text) and text[position : position + size] in row:
                size += 1
            longest = max(longest, size - 1 if size > _WALK_PIECE else 0)
        if longest < _WALK_PIECE:
            return False
        position += longest
    return True


def _is_run(text: str) -> bool:
    """abcdef…, 987654…: every step between neighbours the same ±1."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return len(text) >= 4 and len(steps) == 1 and steps <= {1, -1}


def _is_repeat(text: str, common: frozenset[str]) -> bool:
    """One short or common unit said again and again ("abcabcabc", "dragondragon")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            unit = text[:size]
            return size <= 5 or unit in common or _is_run(unit)
    return False
