"""The API's pagination: `?limit=&offset=` (DRF's LimitOffsetPagination) with the limit capped, so a client cannot
ask for a page larger than the database's integer (found by the API fuzzing: a 500) or the whole table at once."""
from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    max_limit = 1000
