"""The shell's own pages: start page, global search, locale, notifications.

Each context's pages are in its own ``urls.py``; :mod:`credere.urls` puts them all in the
staff application's ``web`` namespace.
"""

from django.urls import path

from credere.web.views import shell

urlpatterns = [
    path("", shell.home, name="home"),
    path("search/", shell.search, name="search"),
    path("search/suggest/", shell.search_suggest, name="search-suggest"),
    path("preferences/locale/", shell.set_locale, name="locale"),
    path("notifications/seen/", shell.notifications_seen, name="notifications-seen"),
]
