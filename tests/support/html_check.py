"""Markup a browser would silently repair: the HTML5 parser's errors for one page.

A stray end tag is not harmless: the parser closes the enclosing elements early, so a
section's second half lands outside it (a `#monitoring` section lost its scores table that way
whenever the patient had diary entries). html5lib implements the WHATWG parsing algorithm, so
its parse errors are the ones a browser recovers from without a word.
"""

from __future__ import annotations

import html5lib
import httpx

#: Parse errors about what pages may legitimately contain (none so far).
ALLOWED: frozenset[str] = frozenset()


def markup_errors(text: str) -> list[str]:
    """Each parse error as "line L, column C: code (details) in 'the line'", in document
    order. A text without a doctype is a fragment a page's script inserts (the panel's live
    alerts), and is parsed as one."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    if text.lstrip()[:9].lower() == "<!doctype":
        parser.parse(text)
    else:
        parser.parseFragment(text)
    lines = text.splitlines()
    found = []
    for (line, column), code, details in parser.errors:
        if code in ALLOWED:
            continue
        extra = f" {details}" if details else ""
        source = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
        found.append(f"line {line}, column {column}: {code}{extra} in {source!r}")
    return found


class MalformedPage(AssertionError):
    """A page the app answered needs the HTML5 parser's repairs."""


def refuse_malformed_pages(response: httpx.Response) -> None:
    """An httpx response hook: an HTML answer with parse errors fails the test that asked."""
    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    response.read()
    errors = markup_errors(response.text)
    if errors:
        where = f"{response.request.method} {response.request.url.path}"
        raise MalformedPage(f"{where}: " + "; ".join(errors[:5]))
