"""Images and attachments of articles, stored like the desk's attachments: under
ERPKEEPER_HOME (outside any served folder), under a random name, read only through the
article's visibility checks. The desk's size and type limits apply."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from erpkeeper.knowledge.models import Article, ArticleFile
from erpkeeper.servicedesk.services.attachments import IncomingFile, clean_name, problem_with


def store_root() -> Path:
    return Path(settings.HOME) / "knowledge" / "files"


def attach_file(article: Article, file: IncomingFile) -> ArticleFile:
    problem = problem_with(file)
    if problem:
        raise ValidationError({"file": problem})
    name = clean_name(file.name)
    stored = f"{timezone.now():%Y/%m}/{secrets.token_hex(16)}"
    path = store_root() / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(file.content)
    content_type = file.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        with transaction.atomic():
            return ArticleFile.objects.create(
                article=article,
                file_name=name,
                content_type=content_type[:100],
                size=len(file.content),
                sha256=hashlib.sha256(file.content).hexdigest(),
                stored_name=stored,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def file_path(stored: ArticleFile) -> Path:
    return store_root() / stored.stored_name
