"""Which ``ChannelKind`` handles each ``Channel.Kind``."""

from __future__ import annotations

from erpkeeper.notifications.channels.base import ChannelKind

_kinds: dict[str, ChannelKind] = {}


def register(cls: type[ChannelKind]) -> type[ChannelKind]:
    _kinds[str(cls.kind)] = cls()
    return cls


def get_kind(name: str) -> ChannelKind:
    try:
        return _kinds[str(name)]
    except KeyError:
        raise ValueError(f"unknown channel kind {name!r}") from None
