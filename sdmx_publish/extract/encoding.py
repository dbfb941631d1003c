"""Text decoded with the wrong encoding (mojibake): recognise it and name the encoding that reads it.

A single-byte encoding (cp1252, latin-1, cp1251) decodes any bytes, so a Thai file (cp874) read as
cp1252 is not refused: its labels arrive as ``'¦èÒ¼ÙéÍ×è¹â´Âà¨µ¹Ò'`` and only fail to match a value
map. The rule here is simple enough to explain in a message: a value holding two or more characters
in a row from U+0080-U+00FF (the C1 controls and the Latin-1 supplement, where other encodings' letters
land), whose bytes (encoded again in the encoding it was read with) decode in another common encoding
into text made of ASCII, punctuation and the letters of one script, where the value as read is not.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

#: encodings tried, most common first, with the script their non-ASCII letters are in (None: any; a
#: decoding into another script is not that encoding's text: Korean in cp949 is Hangul, not ideographs)
COMMON = {"utf-8": None, "cp1252": "LATIN", "cp949": "HANGUL", "cp874": "THAI", "cp1251": "CYRILLIC",
          "cp1256": "ARABIC", "cp932": "CJK HIRAGANA KATAKANA", "gb18030": "CJK", "big5": "CJK", "cp1250": "LATIN",
          "cp1253": "GREEK", "cp1254": "LATIN", "cp1255": "HEBREW", "cp1257": "LATIN", "koi8-r": "CYRILLIC"}
#: two or more characters in a row where mis-decoded letters of other encodings land
_RUN = re.compile("[\u0080-\u00ff]{2,}")
#: the share of a text's characters that must be ASCII, punctuation or letters of its main script
PLAUSIBLE = 0.9


def _script(c: str) -> str:
    """The script of a letter, as the first word of its Unicode name (LATIN, THAI, HANGUL, CJK, ...)."""
    return unicodedata.name(c, "?").split()[0]


def one_script_share(text: str) -> tuple[float, str]:
    """The share of ``text`` that is ASCII, punctuation, space, or letters and marks of its most used script,
    and that script. Not counted: accented Latin letters where they outnumber the plain ones (a word of
    accents alone, 'Óáèéñòâî', is another script's letters read as Latin-1), a letter of another
    script next to a plain one inside a word ('R챕gion'), and a capital after a small letter ('ЗбЮКб')."""
    if not text:
        return 1.0, ""
    plain, letters, scripts = 0, 0, Counter()
    for i, c in enumerate(text):
        kind = unicodedata.category(c)[0]
        if c.isascii() or kind in "PZ":
            plain += 1
            letters += c.isalpha()
        elif kind in "LM":
            script = _script(c)
            beside = text[i - 1:i] + text[i + 1:i + 2]
            mixed = script != "LATIN" and any(b.isascii() and b.isalpha() for b in beside)
            if not mixed and not (c.isupper() and text[i - 1:i].islower()):  # 'ЗбЮКб': no capital inside a word
                scripts[script] += 1
    main, count = scripts.most_common(1)[0] if scripts else ("", 0)
    if main == "LATIN" and count > letters:
        count = 0
    return (plain + count) / len(text), main


def misdecoded(text: str, read_as: str) -> list[tuple[str, str]]:
    """``[(encoding, text as that encoding reads it)]``, the most plausible first, when ``text`` read with
    ``read_as`` looks like another encoding's text (the module's rule); [] otherwise."""
    if not _RUN.search(text):
        return []
    try:
        raw = text.encode(read_as)
    except (UnicodeError, LookupError):
        return []
    base, read, found = one_script_share(text)[0], codecs.lookup(read_as).name, []
    for enc, scripts in COMMON.items():
        if codecs.lookup(enc).name == read:
            continue
        try:
            other = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        share, main = one_script_share(other)
        if other != text and not _RUN.search(other) and share >= PLAUSIBLE and share > base \
                and (scripts is None or main in scripts.split()):
            found.append((share, enc, other))
    return [(enc, other) for _, enc, other in sorted(found, key=lambda f: -f[0])]


def encoding_note(values: list[str], read_as: str) -> str:
    """For a message: what to check when one of ``values`` looks decoded with the wrong encoding, else ""."""
    for v in values:
        found = misdecoded(str(v), read_as)
        if found:
            reads = " or ".join(f"{other!r} in {enc}" for enc, other in found[:2])
            return (f"check source.encoding (the text looks decoded with the wrong encoding: {v!r} read as "
                    f"{read_as} is {reads})")
    return ""
