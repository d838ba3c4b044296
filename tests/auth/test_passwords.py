import pytest

from painpath.auth.password_policy import WeakPasswordError
from painpath.auth.passwords import hash_password, verify_password

pytestmark = pytest.mark.real_password_hashing


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password("correct horse battery staple", stored) == (True, None)
    assert verify_password("correct horse battery stapler", stored)[0] is False


def test_short_passwords_are_refused() -> None:
    with pytest.raises(WeakPasswordError, match="at least 15"):
        hash_password("short")


def test_a_hash_made_with_weaker_parameters_is_upgraded_on_login() -> None:
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    old = weak.hash("correct horse battery staple")
    valid, upgraded = verify_password("correct horse battery staple", old)
    assert valid is True
    assert upgraded is not None
    assert upgraded != old


@pytest.mark.parametrize(
    ("password", "context", "reason"),
    [
        ("password12", (), "at least 15"),
        ("password12345678!", (), "common"),
        ("Qwerty123456789!", (), "common"),
        ("dragondragondragon", (), "common"),
        ("aaaaaaaaaaaaaaaaaaaa", (), "common"),
        ("abcdefghijklmnopqrs", (), "common"),
        ("qwertyuiopasdfgh", (), "common"),
        ("dr.rivera-2026-01-01", ("dr.rivera", "Dr. Sam Rivera"), "username"),
        ("SamRivera123456789", ("dr.rivera", "Dr. Sam Rivera"), "username"),
        ("painpath-password-1", (), "username, your name or the service name"),
    ],
)
def test_finding_9_guessable_passwords_are_refused(
    password: str, context: tuple[str, ...], reason: str
) -> None:
    """Issue 10 finding 9: only a length of 10 was checked, so `password12` passed. NIST SP
    800-63B rev. 4 §3.1.1.2: minimum 15 characters for a single-factor password, a blocklist of
    common and breached passwords, and context words (username, name, service name)."""
    with pytest.raises(WeakPasswordError, match=reason):
        hash_password(password, context=context)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # spaces and plain words: no composition rules
        "tulpen-im-regen-am-kai",
        "ünïcödé pässwörd sëntence",
        "xxx7#Lm9Qp2Vw4Rt6Yz",
    ],
)
def test_long_memorable_passwords_without_composition_rules_are_accepted(password: str) -> None:
    stored = hash_password(password, context=("dr.rivera", "Dr. Sam Rivera"))
    assert verify_password(password, stored)[0] is True


def test_passwords_up_to_256_characters_are_accepted_and_compared_after_nfkc() -> None:
    long = "the quick brown fox jumps over the lazy dog; " * 5 + "and then some"
    assert 64 < len(long) <= 256
    assert verify_password(long, hash_password(long))[0] is True
    composed, decomposed = (
        "crème brûlée au café noir",
        "cre\u0300me bru\u0302le\u0301e au cafe\u0301 noir",
    )
    assert verify_password(decomposed, hash_password(composed))[0] is True


def test_the_bundled_blocklist_is_the_30000_most_common_breached_passwords() -> None:
    from painpath.auth.password_policy import BLOCKLIST_PATH, common_passwords

    blocklist = common_passwords()
    assert len(blocklist) == 30_000
    assert {"password", "123456", "qwerty", "dragon", "1qaz2wsx3edc4rfv"} <= blocklist
    assert (BLOCKLIST_PATH.parent / "SOURCES.md").read_text().count("zxcvbn") >= 1
