"""The one index text of an article, for SQLite's FTS5 and PostgreSQL's full-text search alike.

Neither database segments Chinese (FTS5's trigram tokenizer finds no two-character word such as
发票, PostgreSQL's parsers see a run of Han characters as one word), and neither stems English
and Chinese in one configuration. So the text is prepared here, once, for both: Chinese runs are
cut into words with jieba's search mode (发票 and 增值税 as well as 增值), English words are
lower-cased and reduced to their Snowball stem (invoices -> invoic), and each title word in Chinese
adds its pinyin initials (发票 -> fp). The database then only splits on spaces: FTS5's unicode61
tokenizer and PostgreSQL's 'simple' configuration. A query goes through the same steps.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import snowballstemmer
from pypinyin import Style, lazy_pinyin

# jieba announces its dictionary loading on the root logger's handlers: keep it quiet.
jieba.setLogLevel(logging.WARNING)

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of Han characters, or a word of letters and digits (other scripts included).
RUNS = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+", re.UNICODE)
HAN_RUN = re.compile(rf"^[{HAN}]+$")
# Words too common to find anything with (the stems' own forms).
STOP = frozenset(
    {"a", "an", "the", "and", "or", "of", "to", "in", "on", "is", "be", "for", "how", "do", "i"}
    | {
        "的",
        "了",
        "吗",
        "呢",
        "是",
        "在",
        "我",
        "我们",
        "你",
        "请问",
        "怎么",
        "如何",
        "怎样",
        "什么",
    }
)
MAX_QUERY_TERMS = 12

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word.lower())


def _han_words(run: str, precise: bool = False) -> list[str]:
    cut = jieba.cut(run) if precise else jieba.cut_for_search(run)
    return [word for word in cut if word.strip()]


def terms(text: str, precise: bool = False) -> list[str]:
    """The words of ``text`` as the index stores them, in order (repeats kept). The index takes
    jieba's search mode (固定资产 and also 固定, 资产); a query its precise mode (固定资产 only):
    every word of it is in the index, and a query keeps its few real words."""
    found: list[str] = []
    for run in RUNS.findall(text or ""):
        if HAN_RUN.match(run):
            found.extend(word for word in _han_words(run, precise) if word not in STOP)
        elif run.lower() not in STOP:
            found.append(stem(run))
    return found


def initials(text: str) -> list[str]:
    """Pinyin initials of each Chinese word of ``text`` (发票 -> fp): typed by who knows the
    word but not its characters."""
    found = []
    for run in RUNS.findall(text or ""):
        if HAN_RUN.match(run):
            for word in jieba.cut(run):
                if len(word) >= 2:
                    found.append("".join(lazy_pinyin(word, style=Style.FIRST_LETTER)))
    return found


def index_title(title: str) -> str:
    return " ".join([*terms(title), *initials(title)])


def index_body(body: str) -> str:
    return " ".join(terms(body))


def query_terms(query: str) -> list[str]:
    """The distinct index words a search asks for (all must match), in order."""
    seen: dict[str, None] = {}
    for term in terms(query[:500], precise=True):
        seen.setdefault(term, None)
    found = list(seen)
    # A single Han character (月, 不) is in most Chinese texts: asked with longer words, it
    # would only slow the search down and blur the ranking.
    words = [term for term in found if len(term) > 1 or not HAN_RUN.match(term)]
    return (words or found)[:MAX_QUERY_TERMS]


def matches(word: str, wanted: set[str]) -> bool:
    """Whether a word of the original text is one a search asked for (for highlighting)."""
    if HAN_RUN.match(word):
        return any(term in word for term in wanted if HAN_RUN.match(term))
    return stem(word) in wanted
