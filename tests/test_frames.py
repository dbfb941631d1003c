"""Frames between steps: Parquet files whose code columns stay categorical, values unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pyarrow.parquet as pq

from sdmx_publish import frames
from sdmx_publish.pipeline import FRAME, step_extract, step_transform

from .extract.helpers import TABLE, write_case


def test_codes_become_categorical_and_survive_the_parquet_round_trip(tmp_path) -> None:
    frame = pd.DataFrame({"REF_AREA": pd.Series(["410", "392", None, "410"], dtype="str"),
                          "OBS_STATUS": np.array(["A", "O", "A", "A"], dtype=object),
                          "OBS_VALUE": [1.0, np.nan, 2.0, 3.0], "_row": [2, 3, 4, 5],
                          "_value_raw": pd.Series(["1", "..", "2", "3"], dtype="str")})
    coded = frames.categorical(frame, keep=("_value_raw",))
    assert [c for c in coded if isinstance(coded[c].dtype, pd.CategoricalDtype)] == ["REF_AREA", "OBS_STATUS"]
    assert list(coded["REF_AREA"].cat.categories) == ["392", "410"]  # sorted: sorting codes sorts the text
    assert coded["REF_AREA"].isna().tolist() == [False, False, True, False]
    back = frames.load(frames.save(coded, tmp_path / "f.parquet"))
    pdt.assert_frame_equal(back, coded)
    pdt.assert_frame_equal(back.astype({"REF_AREA": "str", "OBS_STATUS": "str"}),
                           frame.astype({"OBS_STATUS": "str"}))


def test_the_transform_step_hands_on_codes_as_categoricals(tmp_path) -> None:
    spec = write_case(tmp_path, TABLE, thousands=",")
    work = tmp_path / "work"
    work.mkdir()
    step_extract(spec, work)
    step_transform(spec, work)
    frame = frames.load(work / FRAME)
    assert isinstance(frame["REF_AREA"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["FREQ"].dtype, pd.CategoricalDtype)
    assert frame.set_index(["REF_AREA", "SEX"])["OBS_VALUE"][("410", "_T")] == 1234.0
    assert frame["_value_raw"].tolist() == ["1,234", "700", "534", ".."]


def test_a_frame_saved_and_loaded_in_one_process_is_the_file_and_a_changed_file_is_read(tmp_path) -> None:
    """The next step in the same process gets the table just written; a file written since (another
    worker, a rerun) is read from disk."""
    path = tmp_path / "f.parquet"
    frames.save(pd.DataFrame({"REF_AREA": pd.Categorical(["410"]), "OBS_VALUE": [1.0]}), path)
    read = pq.read_table(path).to_pandas()
    pdt.assert_frame_equal(frames.load(path), read)
    frames.save(pd.DataFrame({"REF_AREA": pd.Categorical(["392"]), "OBS_VALUE": [2.0]}), path)
    pq.write_table(pa.Table.from_pandas(pd.DataFrame({"REF_AREA": ["036"], "OBS_VALUE": [3.0]})), path)
    assert frames.load(path)["REF_AREA"].tolist() == ["036"]


def test_used_only_drops_the_categories_no_row_holds() -> None:
    col = pd.Series(pd.Categorical(["b", None, "d", "b"], categories=["a", "b", "c", "d"]), index=[5, 6, 7, 8])
    pdt.assert_series_equal(frames.used_only(col), col.cat.remove_unused_categories())
    assert list(frames.used_only(col).cat.categories) == ["b", "d"]
    assert frames.stripped(pd.Series(pd.Categorical([" a", "a ", None]))).tolist()[:2] == ["a", "a"]
