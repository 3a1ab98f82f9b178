"""Settings of the test process (pyproject's DJANGO_SETTINGS_MODULE): the production settings,
with what is slow only in tests made cheap. Programs a test starts (bin/serve, manage.py)
keep ticketflower.settings (conftest.py)."""

from ticketflower.settings import *  # noqa: F403

# Every test user's password is hashed, and PBKDF2 is slow by design. The production hashers
# are tested once: tests marked `production_hashers` (conftest.py) run with them.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise indexes every static file when its middleware starts (~50 ms), and Django's test
# client starts the middleware anew for each test; the tests fetch few static files: each is
# looked up when requested.
WHITENOISE_AUTOREFRESH = True
