"""The dashboard's parts that apps fill in: tiles, panels and target cards' rows and reasons.

Plain data, so that an app at any layer can contribute (``contribute(board)``, named in its
AppConfig's ``dashboard``); the console (erpkeeper.console.dashboard) builds the board, calls
the apps and renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from erpkeeper.lib.admin import BAD_COLOR, WARNING_COLOR

# Text on white: a darker amber than the border's reads better.
REASON_COLORS = {"warning": WARNING_COLOR, "down": BAD_COLOR}


@dataclass
class Tile:
    """A number on the summary row, optionally a link."""

    title: str
    value: object
    subtitle: str = ""
    url: str = ""
    color: str = ""
    testid: str = ""
    order: int = 100


@dataclass
class Panel:
    """A block under the summary: a template rendered with ``context``."""

    template: str
    context: dict = field(default_factory=dict)
    wide: bool = False  # the whole width (a chart) or half (a small card)
    order: int = 100


@dataclass
class Board:
    request: object
    targets: list
    cards: dict = field(default_factory=dict)  # target id -> card dict
    tiles: list = field(default_factory=list)
    panels: list = field(default_factory=list)
    context: dict = field(default_factory=dict)  # extra keys for the template and tests

    @property
    def user(self):
        return self.request.user

    def add_row(self, target_id: int, label: str, value: str) -> None:
        self.cards[target_id]["rows"].append({"label": label, "value": value})

    def add_reason(self, target_id: int, state: str, text: str, unless_explained=False) -> None:
        """A line on a card saying why it is not green (state "down" or "warning").

        ``unless_explained``: shown only when the card has no other reason (a failed backup
        job is already explained by the backup's own line)."""
        self.cards[target_id]["reasons"].append(
            {
                "state": state,
                "text": text,
                "color": REASON_COLORS[state],
                "unless_explained": unless_explained,
            }
        )
