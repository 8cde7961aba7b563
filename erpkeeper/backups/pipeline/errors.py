"""The errors a user can meet; each message is one line and never contains key material."""

from __future__ import annotations

from erpkeeper.lib.i18n import gettext as _


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class KeyFileError(PipelineError):
    """The repository key file is missing, unreadable, malformed or already exists."""


class WrongKeyError(PipelineError):
    """The artifact was encrypted with another repository key, or no key was given."""


class IntegrityError(PipelineError):
    """The artifact is damaged: bad header, failed authentication, truncation, extra bytes,
    or a checksum or size that differs from the manifest."""


def damaged(name: str, detail: str) -> IntegrityError:
    """An IntegrityError that names the artifact (when known) and says what failed."""
    if name:
        message = _("artifact %(name)s is damaged: %(detail)s") % {"name": name, "detail": detail}
    else:
        message = _("the artifact is damaged: %(detail)s") % {"detail": detail}
    return IntegrityError(message)


def wrong_key(name: str, artifact_fingerprint: str, installation_fingerprint: str) -> WrongKeyError:
    values = {"name": name, "artifact": artifact_fingerprint, "ours": installation_fingerprint}
    if name:
        message = _(
            "artifact %(name)s was encrypted with key %(artifact)s, "
            "this installation's key is %(ours)s"
        )
    else:
        message = _(
            "the artifact was encrypted with key %(artifact)s, this installation's key is %(ours)s"
        )
    return WrongKeyError(message % values)


def missing_key(name: str, artifact_fingerprint: str) -> WrongKeyError:
    values = {"name": name, "artifact": artifact_fingerprint}
    if name:
        message = _("no key given but artifact %(name)s is encrypted (with key %(artifact)s)")
    else:
        message = _("no key given but the artifact is encrypted (with key %(artifact)s)")
    return WrongKeyError(message % values)
