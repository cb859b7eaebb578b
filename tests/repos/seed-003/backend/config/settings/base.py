import os

import dj_database_url

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {"default": dj_database_url.config(default="sqlite:///db.sqlite3")}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "apps.accounts",
    "apps.core",
]
ROOT_URLCONF = "config.urls"
