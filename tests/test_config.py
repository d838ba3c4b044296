import pytest

from painpath.config import (
    PUBLISHED_SECRET_KEYS,
    Environment,
    InsecureConfigurationError,
    Settings,
)
from painpath.web.app import create_app

PUBLISHED_KEY = next(iter(PUBLISHED_SECRET_KEYS))
RANDOM_KEY = "pL3v9Qx2_Tz8WmK4rN7sYb1HcJ6dFg0A-eU5iO2kZqR"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINPATH_DATABASE_URL", "postgres://u:p@db.example/painpath")
    monkeypatch.setenv("PAINPATH_LOGIN_MAX_FAILURES", "3")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db.example/painpath"
    assert settings.login_max_failures == 3


def test_default_database_is_a_sqlite_file_in_the_user_data_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PAINPATH_DATABASE_URL", raising=False)
    url = Settings(_env_file=None).database_url  # type: ignore[call-arg]
    assert url.startswith("sqlite:///")
    assert url.endswith("painpath/painpath.sqlite3")


@pytest.mark.parametrize("secret", [PUBLISHED_KEY, "short-secret", "a" * 39, "ab" * 24])
def test_production_server_refuses_a_default_or_short_secret(secret: str) -> None:
    settings = Settings(
        environment=Environment.production, secret_key=secret, database_url="sqlite://"
    )
    with pytest.raises(InsecureConfigurationError, match="PAINPATH_SECRET_KEY"):
        create_app(settings)


def test_production_with_a_real_secret_starts_with_secure_cookies() -> None:
    settings = Settings(
        environment=Environment.production, secret_key=RANDOM_KEY, database_url="sqlite://"
    )
    app = create_app(settings)
    assert app.state.settings.cookies_secure is True
