"""The SDMX format facts: one enum for data and structure messages, each with its media type."""

from __future__ import annotations

import pytest

from sdmx_publish.formats import Format, Kind
from sdmx_publish.serve.negotiate import STRUCTURE_FORMATS, negotiate_structure
from sdmx_publish.write import WRITERS


def test_data_and_structure_formats_split_the_enum():
    assert set(Format.data()) | set(Format.structures()) == set(Format)
    assert not set(Format.data()) & set(Format.structures())
    assert set(Format.data()) == set(WRITERS)  # every data format has a writer, no structure format has one
    assert [f.kind for f in Format.structures()] == [Kind.STRUCTURE] * 3
    assert all("structure+" in f.media_type for f in Format.structures())
    assert not any("structure+" in f.media_type for f in Format.data())
    assert len({f.media_type for f in Format}) == len(Format)


def test_only_data_formats_have_a_file_suffix():
    assert len({f.suffix for f in Format.data()}) == len(Format.data())
    with pytest.raises(ValueError, match="sdmx-ml-2.1-structure is not a data format"):
        Format.STRUCTURE_ML21.suffix


@pytest.mark.parametrize("fmt", Format.structures())
def test_a_structure_format_is_asked_for_by_its_name(fmt):
    assert STRUCTURE_FORMATS[fmt.value] is fmt
    assert negotiate_structure(None, fmt.value) == fmt.media_type
    assert negotiate_structure(fmt.media_type, None) == fmt.media_type
