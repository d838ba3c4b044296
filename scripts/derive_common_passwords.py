"""Write src/painpath/auth/data/common-passwords.txt.gz from zxcvbn's password frequency list.

zxcvbn (PyPI `zxcvbn`, MIT licence) ships the 30,000 most frequent passwords of Mark Burnett's
10-million-password corpus (xato.net, 2015), as `frequency_lists.FREQUENCY_LISTS["passwords"]`.
painpath keeps the entries of four or more characters, lower-cased and de-duplicated, in rank
order, one per line. Run once when updating the list (zxcvbn is not a runtime dependency):

    uv venv /tmp/zx && uv pip install --python /tmp/zx/bin/python zxcvbn==4.5.0
    /tmp/zx/bin/python scripts/derive_common_passwords.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

from zxcvbn import frequency_lists  # type: ignore[import-not-found]

OUTPUT = Path(__file__).parent.parent / "src/painpath/auth/data/common-passwords.txt.gz"
MIN_LENGTH = 4


def main() -> None:
    seen: dict[str, None] = {}
    for password in frequency_lists.FREQUENCY_LISTS["passwords"]:
        entry = password.strip().lower()
        if len(entry) >= MIN_LENGTH and entry.isprintable():
            seen.setdefault(entry, None)
    text = "\n".join(seen) + "\n"
    # mtime=0: the same list gives the same bytes.
    with OUTPUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    print(f"{len(seen)} passwords written to {OUTPUT}")


if __name__ == "__main__":
    main()
