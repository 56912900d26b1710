"""The capability objects one API process shares: the list store, the records database and a
party screener cached per set of current snapshots.

Why cached: building a Screener reads every current snapshot and its name index; doing that
per request would cost seconds. The cache key is the set of current snapshot ids plus the
freshness state of each loaded source (checked on every request, it is cheap), so a new load,
or a list turning stale while the server runs, gives a new screener: a screen never runs
against lists that are no longer current, and never misses a list that went stale.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from fastapi import Request

from sekisho.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sekisho.lists.store import Store
    from sekisho.records.repo import Records
    from sekisho.screen.party import Screener
    from sekisho.screen.transaction import TransactionScreener


class Services:
    """Lazily opened store, records and screener for one app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()  # screener cache
        self._records_lock = threading.Lock()
        self._store: Store | None = None
        self._records: Records | None = None
        self._screener: tuple[tuple, Screener] | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from sekisho.lists.store import Store

            self._store = Store.open(self.settings)
        return self._store

    @property
    def records(self) -> Records:
        with self._records_lock:
            if self._records is None:
                from sekisho.records.repo import Records

                self._records = Records.open(self.settings)
            return self._records

    def screener(self) -> Screener:
        """A Screener over the store's current snapshots (rebuilt when they change)."""
        return self._current()[1]

    def _current(self) -> tuple[dict[str, str], Screener]:
        from sekisho.screen.party import Screener

        current = self.store.current_snapshots()
        pairs = tuple(sorted((s, snap.id) for s, snap in current.items()))
        states = tuple(sorted((st.source, st.state) for st in self.store.status()
                              if st.state != "missing"))
        key = (pairs, states)
        with self._lock:
            if self._screener is None or self._screener[0] != key:
                self._screener = (key, Screener(self.store))
            return dict(pairs), self._screener[1]

    def transaction_screener(self) -> TransactionScreener:
        """A TransactionScreener sharing the cached party screener (one per request: its
        per-party cache and history answers must not leak between requests)."""
        from sekisho.screen.transaction import TransactionScreener

        sources, screener = self._current()
        return TransactionScreener(screener, sources=sources, history=self.records)

    def warm_up(self) -> None:
        """Build the screener now (server start) instead of on the first request."""
        try:
            self.screener()
        except Exception:  # noqa: BLE001 - a failure here shows up on the first request
            log.warning("warm-up failed; the first screen will retry", exc_info=True)

    def close(self) -> None:
        if self._records is not None:
            self._records.close()


def services(request: Request) -> Services:
    """Dependency: the app's Services."""
    return request.app.state.services
