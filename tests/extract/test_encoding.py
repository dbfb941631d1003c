"""Text decoded with the wrong encoding is recognised, and the encoding that reads it named; right text is not."""

from __future__ import annotations

import pytest

from sdmx_publish.extract.encoding import encoding_note, misdecoded


@pytest.mark.parametrize(("text", "codec", "read_as"), [
    ("ฆ่าผู้อื่นโดยเจตนา", "cp874", "cp1252"),     # Thai
    ("강력범죄/살인기수", "cp949", "cp1252"),        # Korean
    ("Région", "utf-8", "cp1252"),                  # UTF-8 read as Windows-1252: 'RÃ©gion'
    ("über", "utf-8", "latin-1"),
    ("Убийство", "cp1251", "cp1252"),               # Cyrillic: all accented Latin letters when misread
    ("القتل العمد", "cp1256", "cp1252"),             # Arabic (not Cyrillic 'ЗбЮКб ЗбЪгП', capitals inside words)
])
def test_misdecoded_text_is_read_by_its_encoding(text, codec, read_as):
    garbled = text.encode(codec).decode(read_as)
    assert (codec, text) in misdecoded(garbled, read_as)


@pytest.mark.parametrize("text", ["Intentional homicide", "Côte d'Ivoire", "réélection", "N°", "Région", "1 234"])
def test_text_read_right_is_left_alone(text):
    assert misdecoded(text, "cp1252") == [] and encoding_note([text], "cp1252") == ""


def test_the_note_names_the_value_and_the_encoding_that_reads_it():
    note = encoding_note(["Total", "ฆ่าผู้อื่นโดยเจตนา".encode("cp874").decode("cp1252")], "cp1252")
    assert note == ("check source.encoding (the text looks decoded with the wrong encoding: '¦èÒ¼ÙéÍ×è¹â´Âà¨µ¹Ò' "
                    "read as cp1252 is 'ฆ่าผู้อื่นโดยเจตนา' in cp874 or '西瓞湇邰頩漺轉巡境' in big5)")  # the likelier first
