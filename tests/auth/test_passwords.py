import pytest

from painpath.auth.passwords import WeakPasswordError, hash_password, verify_password

pytestmark = pytest.mark.real_password_hashing


def test_passwords_are_stored_as_argon2id_hashes_never_in_clear() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert verify_password("correct horse battery staple", stored) == (True, None)
    assert verify_password("correct horse battery stapler", stored)[0] is False


def test_short_passwords_are_refused() -> None:
    with pytest.raises(WeakPasswordError, match="at least 10"):
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
