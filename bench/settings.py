"""Settings of benchmark runs (bench/run serves with them): production's, plus the
hand-written baselines' URLs (bench/urls.py) and the SQL statement counter."""

from ticketflower.settings import *  # noqa: F403
from ticketflower.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
# First, so that the statements of every other middleware count.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
