import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only")
from .base import *  # noqa: E402,F401,F403

DEBUG = False
