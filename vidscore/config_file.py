"""The project file `vidscore.toml`: platform, language, brand, products, extra phrases, criterion overrides.

One file in the working folder says what is being sold and how it should be judged, so the same
settings apply to every run without long command lines. Every mistake in it is reported on one
line that names the file, the line, the key and the reason, e.g.

    vidscore.toml:12: criteria.hook_start_1s.max_s: expected a number, got 'fast'

Format (every table and key is optional)::

    platform = "tiktok"          # tiktok | reels | shorts
    language = "it"              # spoken language (ISO 639-1 code Whisper knows) or "auto"
    model = "team-weights.json"  # scoring weights file (made by `vidscore calibrate`)

    [brand]
    name = "Glowa"               # required when [brand] is given
    aliases = ["glova"]

    [[products]]                 # one block per product
    name = "Glowa serum"         # required, unique
    aliases = ["siero glowa", "serum"]
    images = ["products/glowa_front.jpg"]   # reference photos; must exist

    [phrases]                    # extra phrases, added to the built-in lists
    "cta.link" = ["scrivimi in dm"]         # quote dotted kinds (or write them as cta.link = [...])
    cta = ["prendilo ora"]       # same as "cta.shop"
    offer = ["2 al prezzo di 1"]

    [criteria.hook_start_1s]     # any catalog id
    max_s = 1.5                  # its threshold names (numbers), as in `vidscore criteria`
    weight = 3                   # >= 0
    [criteria.hook_face_3s]
    enabled = false

Relative paths (`images`, `model`) are taken from the config file's folder; `~` is expanded.
Phrase kinds: cta.cart, cta.link, cta.shop, cta.code, offer, urgency, hook.stop, hook.problem,
hook.claim, hook.you, hook.question. Keys in error messages are written as TOML would (dotted,
quoted when needed) with 0-based indexes for array elements: `products[1].images[0]`.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from vidscore.config import CriterionOverride, ProductReference, ScoringConfig
from vidscore.criteria.catalog import BY_ID, DEFAULT_PLATFORM, PLATFORMS
from vidscore.criteria.lexicon import KINDS, USER_KIND_ALIASES, normalize
from vidscore.errors import ConfigError, folded
from vidscore.signals.speech import WHISPER_LANGUAGES

CONFIG_NAME = "vidscore.toml"

AUTO_LANGUAGE = "auto"
TOP_LEVEL_KEYS = ("platform", "language", "model", "brand", "products", "phrases", "criteria")
BRAND_KEYS = ("name", "aliases")
PRODUCT_KEYS = ("name", "aliases", "images")
CRITERION_SETTINGS = ("weight", "enabled")  # besides the criterion's threshold names
EXAMPLE_LANGUAGES = "en, it, es, fr, de, pt"
MAX_SHOWN_VALUE_CHARS = 40  # a long string value is cut to this in messages
KeyPath = tuple["str | int", ...]  # a TOML key path: table and key names, array indexes


@dataclass(frozen=True)
class ConfigFile:
    """A loaded, validated `vidscore.toml`."""

    path: Path  # as given to `load_config`
    language: str | None  # "auto" or a Whisper language code; None when not set
    products: tuple[ProductReference, ...]
    scoring: ScoringConfig  # brand = name then aliases; model resolved to an absolute path


def find_config(cwd: Path | None = None) -> Path | None:
    """`vidscore.toml` in `cwd` (default: the current folder) if it is a file, else None."""
    candidate = (Path.cwd() if cwd is None else Path(cwd)) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path) -> ConfigFile:
    """Read and check a config file; any problem raises `ConfigError` with one `path:line: key: reason` line."""
    path = Path(path)
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, message = _syntax_error(str(exc), text)
        raise ConfigError(f"{path}:{line}: invalid TOML: {message}") from None
    return _Loader(path, text).load(data)


# ---------------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    """The file's text (UTF-8, a leading byte-order mark dropped), or a one-line ConfigError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {folded(exc)}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {exc.start}: {exc.reason}); save the file as UTF-8") \
            from None


_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")


def _syntax_error(message: str, text: str) -> tuple[int, str]:
    """tomllib's message split into the line number and the reason without its position."""
    message = " ".join(message.split())
    found = _POSITION.search(message)
    if found is None:
        return 1, message
    if found.group(1) is not None:
        line = int(found.group(1))
    else:  # at end of document: the last line
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return line, message[: found.start()].rstrip(".") or "syntax error"


# ---------------------------------------------------------------------------------- checking


class _Loader:
    """Checks the parsed TOML against the format and builds the config; fails at the first problem."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.folder = path.parent
        self.lines = _KeyLines(text)

    def fail(self, key: KeyPath, reason: str) -> NoReturn:
        raise ConfigError(f"{self.path}:{self.lines.line(key)}: {dotted(key)}: {reason}")

    def load(self, data: dict[str, Any]) -> ConfigFile:
        for name in data:
            if name not in TOP_LEVEL_KEYS:
                self.fail((name,), f"unknown key (known: {', '.join(TOP_LEVEL_KEYS)})")
        platform = self.platform(data.get("platform", DEFAULT_PLATFORM))
        language = self.language(data["language"]) if "language" in data else None
        model = self.model(data["model"]) if "model" in data else None
        brand = self.brand(data["brand"]) if "brand" in data else ()
        products = self.products(data.get("products", []))
        phrases = self.phrases(data.get("phrases", {}))
        criteria = self.criteria(data.get("criteria", {}))
        scoring = ScoringConfig(platform=platform, brand=brand, phrases=phrases, criteria=criteria, model=model)
        return ConfigFile(path=self.path, language=language, products=products, scoring=scoring)

    # ------------------------------------------------------------------ top level

    def platform(self, value: Any) -> str:
        key = ("platform",)
        name = self.string(key, value).strip().lower()
        if name not in PLATFORMS:
            self.fail(key, f"unknown platform {_shown(value)} (choose {', '.join(PLATFORMS)})")
        return name

    def language(self, value: Any) -> str:
        key = ("language",)
        code = self.string(key, value).strip().lower()
        if code != AUTO_LANGUAGE and code not in WHISPER_LANGUAGES:
            self.fail(key, f"unknown language {_shown(value)} "
                           f"(use 'auto' or a code Whisper knows, e.g. {EXAMPLE_LANGUAGES})")
        return code

    def model(self, value: Any) -> Path:
        return self.existing_file(("model",), value)

    # ------------------------------------------------------------------ brand and products

    def brand(self, value: Any) -> tuple[str, ...]:
        key: KeyPath = ("brand",)
        table = self.table(key, value)
        self.known_keys(key, table, BRAND_KEYS)
        if "name" not in table:
            self.fail(key, "missing name (the brand's name, e.g. name = \"Glowa\")")
        name = self.name(key + ("name",), table["name"], "brand name")
        aliases = self.names(key + ("aliases",), table.get("aliases", []), "alias")
        return (name, *aliases)

    def products(self, value: Any) -> tuple[ProductReference, ...]:
        key: KeyPath = ("products",)
        if not isinstance(value, list):
            self.fail(key, f"expected an array of tables ([[products]] blocks), got {_shown(value)}")
        products: list[ProductReference] = []
        first_index: dict[str, int] = {}  # folded name -> index of the product that has it
        for index, item in enumerate(value):
            item_key = key + (index,)
            table = self.table(item_key, item)
            self.known_keys(item_key, table, PRODUCT_KEYS)
            if "name" not in table:
                self.fail(item_key, "missing name (the product's name, e.g. name = \"Glowa serum\")")
            name = self.name(item_key + ("name",), table["name"], "product name")
            folded_name = name.casefold()
            if folded_name in first_index:
                self.fail(item_key + ("name",),
                          f"duplicate product name {_shown(name)} (also products[{first_index[folded_name]}])")
            first_index[folded_name] = index
            aliases = self.names(item_key + ("aliases",), table.get("aliases", []), "alias")
            images = self.images(item_key + ("images",), table.get("images", []))
            products.append(ProductReference(name=name, images=images, aliases=aliases))
        return tuple(products)

    def images(self, key: KeyPath, value: Any) -> tuple[Path, ...]:
        items = self.array(key, value, "a list of image paths")
        return tuple(self.existing_file(key + (i,), item) for i, item in enumerate(items))

    # ------------------------------------------------------------------ phrases and criteria

    def phrases(self, value: Any) -> dict[str, tuple[str, ...]]:
        key: KeyPath = ("phrases",)
        table = self.table(key, value)
        known = (*KINDS, *USER_KIND_ALIASES)
        phrases: dict[str, tuple[str, ...]] = {}
        for kind_key, kind, items in self.phrase_lists(key, table):
            if kind not in known:
                self.fail(kind_key, f"unknown phrase kind (known: {', '.join(known)})")
            kind = USER_KIND_ALIASES.get(kind, kind)
            texts = self.names(kind_key, items, "phrase")
            for index, text in enumerate(texts):
                if not normalize(text):  # the lexicon matches on letters and digits only
                    self.fail(kind_key + (index,), f"no letters or digits in {_shown(text)}")
            merged = phrases.get(kind, ()) + texts
            phrases[kind] = tuple(dict.fromkeys(merged))
        return phrases

    def phrase_lists(self, key: KeyPath, table: dict[str, Any], prefix: str = "") \
            -> list[tuple[KeyPath, str, Any]]:
        """(key, kind, value) for each phrase list; an unquoted `cta.link = [...]` nests as a table,
        so nested tables are read back as dotted kinds."""
        found: list[tuple[KeyPath, str, Any]] = []
        for name, value in table.items():
            kind = f"{prefix}{name}"
            if isinstance(value, dict):
                found += self.phrase_lists(key + (name,), value, f"{kind}.")
            else:
                found.append((key + (name,), kind, value))
        return found

    def criteria(self, value: Any) -> dict[str, CriterionOverride]:
        key: KeyPath = ("criteria",)
        table = self.table(key, value)
        overrides: dict[str, CriterionOverride] = {}
        for cid, settings in table.items():
            overrides[cid] = self.criterion(key + (cid,), cid, settings)
        return overrides

    def criterion(self, key: KeyPath, cid: str, value: Any) -> CriterionOverride:
        if cid not in BY_ID:
            close = difflib.get_close_matches(cid, list(BY_ID), n=1)
            hint = f"did you mean {close[0]}?" if close else "run `vidscore criteria` for the list"
            self.fail(key, f"unknown criterion ({hint})")
        table = self.table(key, value)
        threshold_names = tuple(BY_ID[cid].thresholds)
        known = (*threshold_names, *CRITERION_SETTINGS)
        self.known_keys(key, table, known, what="setting")
        thresholds = {name: self.number(key + (name,), table[name]) for name in threshold_names if name in table}
        weight = None
        if "weight" in table:
            weight = self.number(key + ("weight",), table["weight"])
            if weight < 0:
                self.fail(key + ("weight",), f"must be 0 or more, got {_shown(table['weight'])}")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            self.fail(key + ("enabled",), f"expected true or false, got {_shown(enabled)}")
        return CriterionOverride(thresholds=thresholds, weight=weight, enabled=enabled)

    # ------------------------------------------------------------------ value checks

    def known_keys(self, key: KeyPath, table: dict[str, Any], known: tuple[str, ...], what: str = "key") -> None:
        for name in table:
            if name not in known:
                self.fail(key + (name,), f"unknown {what} (known: {', '.join(known)})")

    def table(self, key: KeyPath, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_shown(value)}")
        return value

    def array(self, key: KeyPath, value: Any, what: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(key, f"expected {what}, got {_shown(value)}")
        return value

    def string(self, key: KeyPath, value: Any) -> str:
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_shown(value)}")
        return value

    def name(self, key: KeyPath, value: Any, what: str) -> str:
        """A non-empty string, surrounding spaces removed."""
        text = self.string(key, value).strip()
        if not text:
            self.fail(key, f"empty {what}")
        return text

    def names(self, key: KeyPath, value: Any, what: str) -> tuple[str, ...]:
        items = self.array(key, value, "a list of strings")
        return tuple(self.name(key + (i,), item, what) for i, item in enumerate(items))

    def number(self, key: KeyPath, value: Any) -> float:
        """An int or float (a bool is not a number), as a finite float."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"expected a number, got {_shown(value)}")
        if not math.isfinite(value):
            self.fail(key, f"expected a finite number, got {_shown(value)}")
        return float(value)

    def existing_file(self, key: KeyPath, value: Any) -> Path:
        """A path string, relative to the config's folder, that names an existing file."""
        text = self.string(key, value).strip()
        if not text:
            self.fail(key, "empty path")
        path = Path(os.path.abspath(self.folder / Path(text).expanduser()))
        if not path.exists():
            self.fail(key, f"no such file: {path}")
        if not path.is_file():
            self.fail(key, f"not a file: {path}")
        return path


def dotted(key: KeyPath) -> str:
    """A key path as TOML writes it, with array indexes: `products[1].images[0]`, `phrases."cta.link"`."""
    parts: list[str] = []
    for part in key:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            name = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            parts.append(f".{name}" if parts else name)
    return "".join(parts)


def _shown(value: Any) -> str:
    """A value as a message shows it: strings quoted (and cut), booleans as TOML writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > MAX_SHOWN_VALUE_CHARS:
            value = value[: MAX_SHOWN_VALUE_CHARS - 3] + "..."
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


# ---------------------------------------------------------------------------------- line numbers

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BLANK = " \t\r"
_SCALAR_END = ",]}#\n"
_MAX_EXTRA_QUOTES = 2  # a multi-line string may end with up to two quotes before its closing delimiter


class _KeyLines:
    """Where each key, table and array element starts in TOML source (1-based lines).

    tomllib gives no positions, so this scans the (already valid) text: table headers, `[[array]]`
    blocks counted per occurrence, quoted and dotted keys, inline tables and array elements.
    Best effort: a scan that trips keeps what it found, and an unknown key falls back to the line
    of its nearest known parent (e.g. its table header), else line 1.
    """

    def __init__(self, text: str) -> None:
        self.found: dict[KeyPath, int] = {}
        try:
            _Scanner(text, self.found).run()
        except Exception:  # positions are a courtesy: never fail the load over them
            pass

    def line(self, key: KeyPath) -> int:
        for end in range(len(key), 0, -1):
            if key[:end] in self.found:
                return self.found[key[:end]]
        return 1


class _ScanError(Exception):
    """The scanner met text it does not understand."""


class _Scanner:
    """A small TOML tokenizer that records the line of every key path it meets."""

    def __init__(self, text: str, found: dict[KeyPath, int]) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.found = found
        self.array_tables: dict[KeyPath, int] = {}  # resolved [[path]] -> blocks seen so far

    def run(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_blank()
            if self.pos >= len(self.text):
                return
            if self.text.startswith("[[", self.pos):
                table = self.header(array=True)
            elif self.peek() == "[":
                table = self.header(array=False)
            else:
                self.key_value(table)

    # ------------------------------------------------------------------ structure

    def header(self, array: bool) -> KeyPath:
        line = self.line
        self.advance(2 if array else 1)
        key = self.key()
        self.skip_spaces()
        closing = "]]" if array else "]"
        if not self.text.startswith(closing, self.pos):
            raise _ScanError("unclosed table header")
        self.advance(len(closing))
        if array:
            parent = self.resolve(key[:-1]) + (key[-1],)
            count = self.array_tables.get(parent, 0) + 1
            self.array_tables[parent] = count
            path = parent + (count - 1,)
        else:
            path = self.resolve(key)
        self.record(path, line)
        return path

    def resolve(self, key: tuple[str, ...]) -> KeyPath:
        """A header's key path with the current block index after each `[[array]]` it goes through."""
        path: KeyPath = ()
        for part in key:
            path += (part,)
            if path in self.array_tables:
                path += (self.array_tables[path] - 1,)
        return path

    def key_value(self, table: KeyPath) -> None:
        line = self.line
        path = table + self.key()
        self.skip_spaces()
        if self.peek() != "=":
            raise _ScanError("expected '='")
        self.advance(1)
        self.skip_spaces()
        self.record(path, line)
        self.value(path)

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_spaces()
            char = self.peek()
            if char == '"':
                parts.append(self.basic_string_key())
            elif char == "'":
                start = self.pos + 1
                end = self.text.index("'", start)
                parts.append(self.text[start:end])
                self.advance(end + 1 - self.pos)
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    raise _ScanError("expected a key")
                parts.append(match.group())
                self.advance(match.end() - self.pos)
            self.skip_spaces()
            if self.peek() != ".":
                return tuple(parts)
            self.advance(1)

    def basic_string_key(self) -> str:
        start = self.pos
        self.basic_string()
        return tomllib.loads(f"k = {self.text[start:self.pos]}")["k"]  # decodes the escapes exactly

    # ------------------------------------------------------------------ values

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif self.text.startswith('"""', self.pos) or self.text.startswith("'''", self.pos):
            self.multiline_string(self.text[self.pos:self.pos + 3])
        elif char == '"':
            self.basic_string()
        elif char == "'":
            end = self.text.index("'", self.pos + 1)
            self.advance(end + 1 - self.pos)
        else:  # number, bool, date: up to the next separator
            end = self.pos
            while end < len(self.text) and self.text[end] not in _SCALAR_END:
                end += 1
            if end == self.pos:
                raise _ScanError("expected a value")
            self.advance(end - self.pos)

    def array(self, path: KeyPath) -> None:
        self.advance(1)
        index = 0
        while True:
            self.skip_blank()
            if self.peek() == "]":
                self.advance(1)
                return
            if not self.peek():
                raise _ScanError("unclosed array")
            self.record(path + (index,), self.line)
            self.value(path + (index,))
            index += 1
            self.skip_blank()
            if self.peek() == ",":
                self.advance(1)
            elif self.peek() != "]":
                raise _ScanError("expected ',' or ']'")

    def inline_table(self, path: KeyPath) -> None:
        self.advance(1)
        while True:
            self.skip_blank()
            if self.peek() == "}":
                self.advance(1)
                return
            if not self.peek():
                raise _ScanError("unclosed inline table")
            self.key_value(path)
            self.skip_blank()
            if self.peek() == ",":
                self.advance(1)
            elif self.peek() != "}":
                raise _ScanError("expected ',' or '}'")

    def basic_string(self) -> None:
        end = self.pos + 1
        while True:
            char = self.text[end]  # IndexError on an unclosed string ends the scan
            if char == "\\":
                end += 2
            elif char == '"':
                break
            elif char == "\n":
                raise _ScanError("unclosed string")
            else:
                end += 1
        self.advance(end + 1 - self.pos)

    def multiline_string(self, quotes: str) -> None:
        end = self.pos + len(quotes)
        while True:
            if quotes == '"""' and self.text[end] == "\\":
                end += 2
            elif self.text.startswith(quotes, end):
                break
            else:
                end += 1
        end += len(quotes)
        extra = 0
        while extra < _MAX_EXTRA_QUOTES and end < len(self.text) and self.text[end] == quotes[0]:
            end += 1
            extra += 1
        self.advance(end - self.pos)

    # ------------------------------------------------------------------ low level

    def record(self, path: KeyPath, line: int) -> None:
        """The first line that mentions the path, and each of its parents."""
        for end in range(1, len(path) + 1):
            self.found.setdefault(path[:end], line)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self, count: int) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + count)
        self.pos += count

    def skip_spaces(self) -> None:
        while self.peek() and self.peek() in _BLANK:
            self.advance(1)

    def skip_blank(self) -> None:
        """Spaces, newlines and comments."""
        while True:
            char = self.peek()
            if char and char in _BLANK + "\n":
                self.advance(1)
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.advance((len(self.text) if end < 0 else end) - self.pos)
            else:
                return
