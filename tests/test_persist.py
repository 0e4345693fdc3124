"""Model files: content is validated on load (not only checksums, which an editor can recompute)."""

import copy
import io
import json
import re
import warnings
import zipfile

import numpy as np
import pytest

import tpmclassify
from tpmclassify import InvalidValueError, ModelFileError, load
from tpmclassify._persist import _sha256


@pytest.fixture(scope="module")
def saved(small_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.tpmc"
    tpmclassify.save(small_model, path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return json.loads(members["metadata.json"]), json.loads(members["model.json"]), arrays


def _forge(tmp_path, meta, state, arrays, *, model_json=None):
    """Write a model file with the given content and checksums recomputed, as a deliberate editor would."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    members = {"model.json": model_json or json.dumps(state).encode(), "arrays.npz": buf.getvalue()}
    if isinstance(meta, dict):
        meta = {**meta, "members_sha256": {n: _sha256(d) for n, d in members.items()}}
    path = tmp_path / "forged.tpmc"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(meta))
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _set(key, value):
    def edit(meta, state, arrays):
        if key == "idf_zero":  # of the right length, one value 0
            arrays["idf"] = arrays["idf"].copy()
            arrays["idf"][0] = 0.0
        elif key == "baseline_gone":
            del arrays["baseline"]
        elif key in arrays or key in ("coef_short", "idf_short"):
            name = key.removesuffix("_short")
            arrays[name] = arrays[name][:-1] if key.endswith("_short") else value
        elif key.startswith("params."):
            state["params"][key.split(".", 1)[1]] = value
        elif value is KeyError:
            del state[key]
        else:
            state[key] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("coef", None), "non-finite"),  # replaced below by a NaN array
        (_set("idf_short", None), "array 'idf' has shape"),
        (_set("coef_short", None), "array 'coef' has shape"),
        (_set("prior", 1.5), "prior is 1.5; it must be a share strictly between 0 and 1"),
        (_set("training_prior", 0.0), "training_prior is 0.0"),
        (_set("C", -1.0), "C is -1.0; it must be a positive number"),
        (_set("intercept", float("nan")), "intercept is nan"),
        (_set("scope_threshold", 1.5), "must be a probability"),
        (_set("params.evil", 1), "unknown parameters"),
        (_set("params.ngram_max", 10**6), "'ngram_max' parameter .* an int in the range \\[1, 5\\]. Got 1000000"),
        (_set("intercept", KeyError), "lacks intercept"),
        (
            _set("cues", [{"name": "x", "axis": "scope", "role": "tpm", "phrases": ["very " * 20 + "long"]}]),
            "cue table exceeds its bounds",
        ),
        (_set("display", ["x"]), "display forms"),
        (_set("scope_intercept", None), "the scope head is incomplete"),
        (_set("params.mismatch_confidence", "abc"), "'mismatch_confidence' parameter .* Got 'abc'"),
        (_set("params.ngram_scale", "x"), "'ngram_scale' parameter .* in the range \\(0.0, inf\\). Got 'x'"),
        (_set("classes", ["a"]), "classes are \\['a'\\]"),
        (_set("params.review_band", [0.9, 0.1]), "review_band must be two probabilities, low then high"),
        (_set("params.C_grid", []), "C_grid must be a non-empty tuple of positive numbers"),
        (_set("params.mask_rate", float("nan")), "'mask_rate' parameter of TPMClassifier must be a float"),
        (_set("idf", np.full(3, -1.0)), "array 'idf' has shape"),
        (_set("idf_zero", None), "array 'idf' has values that are not positive"),
        (_set("baseline_gone", None), "array 'baseline' is missing"),
    ],
)
def test_forged_content_is_refused_with_a_clear_error(saved, tmp_path, edit, message):
    meta, state, arrays = copy.deepcopy(saved)
    if message == "non-finite":
        arrays["coef"] = arrays["coef"].copy()
        arrays["coef"][0] = np.nan
    else:
        edit(meta, state, arrays)
    with pytest.raises(ModelFileError, match=message) as err:
        load(_forge(tmp_path, meta, state, arrays))
    assert str(err.value).startswith(str(tmp_path / "forged.tpmc")) and "edited or is damaged" in str(err.value)


def test_malformed_json_and_metadata_are_model_file_errors(saved, tmp_path):
    meta, state, arrays = copy.deepcopy(saved)
    state["cues"][0]["evil"] = 1
    with pytest.raises(ModelFileError, match="the cue table is malformed"):
        load(_forge(tmp_path, meta, state, arrays))
    meta, state, arrays = copy.deepcopy(saved)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        load(_forge(tmp_path, meta, state, arrays, model_json=b"[" * 100_000 + b"]" * 100_000))
    with pytest.raises(ModelFileError, match="metadata.json is a list"):
        load(_forge(tmp_path, [1, 2], state, arrays))


def test_a_huge_member_is_refused_before_it_is_inflated(saved, tmp_path, monkeypatch):
    path = tmp_path / "bomb.tpmc"
    meta, _, _ = saved
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(meta))
        z.writestr("model.json", b"{}")
        with z.open("arrays.npz", "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(300):  # 300 MiB of zeros: a file of a few hundred KB
                f.write(block)
    assert path.stat().st_size < 2 << 20
    read = zipfile.ZipFile.read

    def no_inflating(self, name, *args):
        assert name != "arrays.npz", "the member was decompressed before its size was checked"
        return read(self, name, *args)

    monkeypatch.setattr(zipfile.ZipFile, "read", no_inflating)
    with pytest.raises(ModelFileError, match="arrays.npz is 314,572,800 bytes uncompressed"):
        load(path)


def test_non_finite_weights_are_refused_at_save(small_model, tmp_path):
    model = copy.deepcopy(small_model)
    model.coef_ = model.coef_.copy()
    model.coef_[0] = np.inf
    with pytest.raises(ModelFileError, match="non-finite"):
        tpmclassify.save(model, tmp_path / "m.tpmc")
    assert not (tmp_path / "m.tpmc").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: setattr(m, "min_words_", -1), "min_words is -1; it must be a count of words"),
        (lambda m: setattr(m, "prior_", 1.0), "prior is 1.0; it must be a share strictly between 0 and 1"),
        (lambda m: setattr(m, "coef_", m.coef_[:-1]), r"array 'coef' has shape \(\d+,\); it must be \(\d+,\)"),
    ],
)
def test_a_model_changed_after_fit_is_refused_at_save_as_load_would(small_model, tmp_path, change, message):
    """save checks what load checks, so a file it writes always loads: a model whose fitted state was changed is
    refused before anything is written, saying so (not, at the next load, that the file was edited)."""
    model = copy.deepcopy(small_model)
    change(model)
    with pytest.raises(ModelFileError, match=f"refusing to save .*m.tpmc: {message}, so load would refuse") as err:
        tpmclassify.save(model, tmp_path / "m.tpmc")
    assert "edited or is damaged" not in str(err.value) and list(tmp_path.iterdir()) == []


def test_what_fit_can_give_saves_and_loads(small_model, tmp_path, postings):
    """Also from the review: float32 weights saved, then failed to load; a numpy integer parameter was a bare
    TypeError at save; a floor on words past 100,000 (postings of millions of characters) was refused as edited."""
    model = copy.deepcopy(small_model).set_params(cv=np.int64(2))  # (fitted with it: saved as fitted)
    model.fit(postings["description"].tolist(), postings["label"].tolist())
    model.coef_ = model.coef_.astype(np.float32)
    model.min_words_ = 200_000
    tpmclassify.save(model, tmp_path / "m.tpmc")
    again = load(tmp_path / "m.tpmc")
    assert again.min_words_ == 200_000 and again.get_params()["cv"] == 2 and type(model.cv) is np.int64
    np.testing.assert_array_equal(again.coef_, model.coef_.astype(np.float64))


def test_saving_leaves_the_model_as_it_was(bundled, tmp_path):
    """Saving with extra metadata rewrote the model's own: saving the bundled model (the one every call without a
    model shares) changed what it said of its training data for the rest of the process."""
    before = copy.deepcopy(bundled.metadata_)
    tpmclassify.save(bundled, tmp_path / "b.tpmc", extra={"training_data": "my other data"})
    assert bundled.metadata_ == before and tpmclassify.default_model().metadata_ == before
    assert load(tmp_path / "b.tpmc").metadata_["training_data"] == "my other data"
    assert "my other data" in (tmp_path / "b.md").read_text()


def test_any_json_metadata_gets_a_card(small_model, tmp_path):
    """``extra`` is any JSON data: a training-data note, metrics or notes that are not the tables train() records
    failed the card after the model file was written (a model without its card)."""
    extra = {"training_data": ["crm export", 2026], "metrics": [0.91, 0.95], "notes": 7, "summary": {"f1": 0.9}}
    tpmclassify.save(small_model, tmp_path / "m.tpmc", extra=extra)
    card = (tmp_path / "m.md").read_text()
    for said in ("['crm export', 2026]", "[0.91, 0.95]", "## Notes\n\n7", "{'f1': 0.9}"):
        assert said in card


def test_metadata_of_a_folder_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match=r"is a folder: name the model file \(\.tpmc\) in it$"):
        tpmclassify.read_metadata(tmp_path)


def test_an_empty_path_is_refused_as_empty_not_as_the_current_folder(tmp_path, monkeypatch):
    """A review: ``load("")`` said ". is a folder" (``Path("")`` is the current folder); "  " is a file's name."""
    monkeypatch.chdir(tmp_path)
    for read in (tpmclassify.load, tpmclassify.read_metadata):
        with pytest.raises(ModelFileError, match="got an empty one$"):
            read("")
        with pytest.raises(tpmclassify.ModelFileNotFoundError, match="model file not found"):
            read("  ")


def test_metadata_that_is_not_json_is_refused_before_anything_is_written(small_model, tmp_path):
    path = tmp_path / "m.tpmc"
    with pytest.raises(tpmclassify.InvalidValueError, match="extra metadata must be JSON data .*set"):
        tpmclassify.save(small_model, path, extra={"sources": {"a", "b"}})
    assert list(tmp_path.iterdir()) == []
    tpmclassify.save(small_model, path, extra={"n": np.int64(3), "weights": np.ones(2)})  # numpy values are JSON
    assert tpmclassify.read_metadata(path)["weights"] == [1.0, 1.0]


def test_other_nltk_stems_are_refused_and_another_version_warns(saved, tmp_path):
    meta, state, arrays = copy.deepcopy(saved)
    with pytest.raises(ModelFileError, match="Snowball stems differ"):
        load(_forge(tmp_path, {**meta, "stem_probe": ["x"] * 12, "nltk_version": "0.1"}, state, arrays))
    old = {k: v for k, v in meta.items() if k != "stem_probe"}
    with pytest.warns(UserWarning, match="saved with nltk 0.1"):
        load(_forge(tmp_path, {**old, "nltk_version": "0.1"}, state, arrays))


def test_a_model_that_splits_words_otherwise_is_refused(saved, tmp_path):
    """A file records how its tokenizer read a probe text (HTML, entities, C++, accents, a benefits section); a
    tokenizer that reads it otherwise would match other cues and n-grams, so the file is refused. A file written
    before the probe was recorded still loads."""
    meta, state, arrays = copy.deepcopy(saved)
    assert "c++" in meta["token_probe"] and "dental" not in meta["token_probe"]
    with pytest.raises(ModelFileError, match="splits text into words differently"):
        load(_forge(tmp_path, {**meta, "token_probe": ["c", "plus", "plus"]}, state, arrays))
    old = {k: v for k, v in meta.items() if k != "token_probe"}
    assert load(_forge(tmp_path, old, state, arrays)).classes_.tolist() == ["other", "pm", "tpm"]


def test_save_replaces_nothing_unless_told(small_model, tmp_path):
    """A typo must not turn someone's data or notes into a model: an existing file at the model's path or its
    card's is refused before anything is written; ``overwrite=True`` replaces both, never a folder."""
    data, notes = tmp_path / "postings.csv", tmp_path / "notes.md"
    data.write_text("title,description\n")
    notes.write_text("my notes")
    for path, kept in ((data, data), (tmp_path / "notes.tpmc", notes)):
        with pytest.raises(
            tpmclassify.OutputExistsError, match=f"{kept.name} already exists; pass overwrite=True"
        ) as err:
            tpmclassify.save(small_model, path)
        assert not isinstance(err.value, ValueError)  # (what `except ValueError` around save's metadata catches)
    assert data.read_text() == "title,description\n" and notes.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "postings.csv"]  # nothing else written
    digest = tpmclassify.save(small_model, tmp_path / "notes.tpmc", overwrite=True)
    assert "tpmclassify model card" in notes.read_text() and load(tmp_path / "notes.tpmc", sha256=digest)
    (tmp_path / "notes.tpmc").unlink()
    tpmclassify.save(small_model, tmp_path / "notes.tpmc", card=False)  # no card written: only the model's path counts
    (tmp_path / "folder.tpmc").mkdir()
    with pytest.raises(tpmclassify.OutputExistsError, match="is a folder"):
        tpmclassify.save(small_model, tmp_path / "folder.tpmc", overwrite=True)


def test_a_model_and_its_card_are_published_together_or_not_at_all(small_model, tmp_path, monkeypatch):
    """The card was written after the model was published: a failure in between left a model without its card,
    or, replacing a saved pair, the new model beside the old card (which names another SHA-256). Both are written
    first, then published; a failure leaves what was there as it was."""
    from tpmclassify import _persist

    first = tpmclassify.save(small_model, tmp_path / "m.tpmc")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert first in before["m.md"].decode()

    def failing(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(_persist, "model_card", failing)
    with pytest.raises(
        ModelFileError, match=f"^cannot write {re.escape(str(tmp_path))}/m.tpmc and its card m.md .*: No"
    ):
        tpmclassify.save(small_model, tmp_path / "m.tpmc", extra={"note": "new"}, overwrite=True)
    with pytest.raises(ModelFileError, match="No space left"):
        tpmclassify.save(small_model, tmp_path / "new.tpmc")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # (no part file left either)


def test_a_model_saved_where_nothing_can_be_written_says_where_in_the_library_s_words(small_model, tmp_path):
    """From an analyst's review: saving into a folder that could not be written raised the file system's
    PermissionError, naming a hidden temporary file. Now the library's error names the file asked for and its
    folder (here, a folder that is a file)."""
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(ModelFileError) as caught:
        tpmclassify.save(small_model, tmp_path / "taken" / "m.tpmc")
    assert str(caught.value).startswith(
        f"cannot write {tmp_path}/taken/m.tpmc and its card m.md (in {tmp_path}/taken): "
    )


def test_a_model_path_that_the_card_would_overwrite_is_refused(small_model, tmp_path):
    with pytest.raises(ModelFileError, match="name the model file .tpmc"):
        tpmclassify.save(small_model, tmp_path / "model.md")
    assert not (tmp_path / "model.md").exists()


def _npz(members):
    """An .npz whose members are written as given: name -> (header shape, bytes of values or a count of zeros)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (shape, values) in members.items():
            with z.open(name, "w", force_zip64=True) as f:
                np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": shape})
                if isinstance(values, int):
                    for _ in range(values >> 20):  # zeros, deflated about a thousand to one
                        f.write(bytes(1 << 20))
                else:
                    f.write(values)
    return buf.getvalue()


def _forge_npz(tmp_path, saved, npz, extra_member=None):
    meta, state, _ = copy.deepcopy(saved)
    members = {"model.json": json.dumps(state).encode(), "arrays.npz": npz}
    meta["members_sha256"] = {n: _sha256(d) for n, d in members.items()}  # recomputed, as a deliberate editor would
    path = tmp_path / "bomb.tpmc"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(meta))
        for name, data in {**members, **(extra_member or {})}.items():
            z.writestr(name, data)
    return path


def _peak_while(job):
    """The peak of memory Python and numpy allocate while ``job()`` runs (it must raise a ModelFileError)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as err:
            job()
        return tracemalloc.get_traced_memory()[1], str(err.value)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("where", ["idf.npy", "junk.npy"])
def test_an_inner_array_that_inflates_hugely_is_refused_before_it_is_read(saved, tmp_path, where):
    """The tester's bomb, scaled down: arrays.npz holds a member that is a few KB deflated but 32 MiB inflated
    (the tester's was 4 GiB: the same member, bigger). It is refused from its declared size, before a byte is
    inflated, so loading allocates a tiny fraction of it."""
    _, _, arrays = saved
    members = {f"{k}.npy": (v.shape, v.astype("<f8").tobytes()) for k, v in arrays.items()}
    members[where] = ((32 << 17,), 32 << 20)  # 4 Mi floats: 32 MiB of zeros
    path = _forge_npz(tmp_path, saved, _npz(members))
    assert path.stat().st_size < 200_000
    peak, message = _peak_while(lambda: load(path))
    assert peak < 4 << 20, f"{peak:,} bytes allocated while refusing it"
    expected = "array 'idf' is 33,554,560 bytes uncompressed" if where == "idf.npy" else "unknown or repeated member"
    assert expected in message


def test_an_inner_array_whose_header_lies_is_refused_from_its_header(saved, tmp_path):
    """A member of the right size whose header claims another shape or type; a member that holds less than its
    header says; a repeated member; another member beside the three of a model file: each refused by name."""
    _, _, arrays = saved
    good = {f"{k}.npy": (v.shape, v.astype("<f8").tobytes()) for k, v in arrays.items()}
    n = len(arrays["idf"])
    cases = [
        ({**good, "idf.npy": ((1 << 40,), b"")}, None, "array 'idf' has shape \\(1099511627776,\\)"),
        ({**good, "idf.npy": ((n,), b"\0" * 8)}, None, "does not hold exactly its"),
        (good, {"extra.bin": b"x"}, "a model file holds"),
    ]
    for members, extra, message in cases:
        with pytest.raises(ModelFileError, match=message):
            load(_forge_npz(tmp_path, saved, _npz(members), extra))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        for name, (shape, values) in [*good.items(), ("idf.npy", good["idf.npy"])]:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
            z.writestr(name, header.getvalue() + values)
    with pytest.raises(ModelFileError, match="unknown or repeated member 'idf.npy'"):
        load(_forge_npz(tmp_path, saved, buf.getvalue()))


def test_a_vocabulary_past_the_bound_is_refused_at_save_and_at_load(saved, small_model, tmp_path, monkeypatch):
    from tpmclassify import _persist, _validate

    meta, state, arrays = copy.deepcopy(saved)
    for module in (_persist, _validate):  # save reads the bound in _persist, load in _validate
        monkeypatch.setattr(module, "_MAX_VOCABULARY", len(state["vocabulary"]) - 1)
    with pytest.raises(ModelFileError, match="the vocabulary has .* n-grams; the limit is"):
        load(_forge(tmp_path, meta, state, arrays))
    with pytest.raises(ModelFileError, match="refusing to save a model of"):
        tpmclassify.save(small_model, tmp_path / "big.tpmc")


def test_a_loaded_model_reads_as_saved_and_saves_again(postings, tmp_path):
    """A loaded model reads postings as the saved one did (its n-gram length and scale, not the defaults), names its
    n-grams as it did (their commonest wording, not their stems), and saves again to a file that loads the same."""
    texts = postings["description"].tolist()
    model = tpmclassify.TPMClassifier(cv=2, min_df=1, min_groups=1, ngram_max=3, ngram_scale=0.5)
    model.fit(texts, postings["label"].tolist())
    tpmclassify.save(model, tmp_path / "m.tpmc")
    loaded = load(tmp_path / "m.tpmc")
    shown = model.space_.display
    assert loaded.space_.display == shown != [c.name for c in model.cues_] + model.space_.vocabulary
    assert loaded.classes_.tolist() == model.classes_.tolist() and loaded.classes_.dtype == model.classes_.dtype
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), rtol=0, atol=1e-12)
    tpmclassify.save(loaded, tmp_path / "again.tpmc")
    again = load(tmp_path / "again.tpmc")
    assert (again.ngram_max, again.ngram_scale) == (3, 0.5) and again.space_.display == shown
    np.testing.assert_allclose(again.predict_proba(texts), model.predict_proba(texts), rtol=0, atol=1e-12)


def test_arrays_in_npy_format_2_load_and_other_formats_are_refused(saved, tmp_path):
    """numpy writes format 1.0, or 2.0 for headers past 64 KiB: both are read; format 3.0 (and any other) is refused
    by name, as an edited file."""
    _, _, arrays = saved

    def npz(version):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, values in arrays.items():
                header = io.BytesIO()
                fields = {"descr": "<f8", "fortran_order": False, "shape": values.shape}
                np.lib.format.write_array_header_2_0(header, fields)
                head = header.getvalue()
                z.writestr(f"{name}.npy", head[:6] + bytes(version) + head[8:] + values.astype("<f8").tobytes())
        return buf.getvalue()

    loaded = load(_forge_npz(tmp_path, saved, npz((2, 0))))
    np.testing.assert_array_equal(loaded.coef_, arrays["coef"])
    path = _forge_npz(tmp_path, saved, npz((3, 0)))
    with pytest.raises(ModelFileError, match=r"array '\w+' has .npy format \(3, 0\)") as err:
        load(path)
    assert str(err.value).startswith(f"{path}: ") and "edited or is damaged" in str(err.value)


def _padded_npy(values, size):
    """A ``.npy`` member of exactly ``size`` bytes: ``values`` after a format 1.0 header padded with spaces."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({len(values)},), }}"
    header = header.ljust(size - 8 * len(values) - 11) + "\n"
    head = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1")
    return head + values.astype("<f8").tobytes()


def test_an_array_may_take_its_header_room_and_not_a_byte_more(saved, tmp_path):
    """Each array member may be 4,096 bytes of header room plus 8 bytes a value: a file whose idf header fills that
    room exactly loads; one byte more is refused from the member's size, naming the file."""
    _, _, arrays = saved
    limit = 4096 + 8 * len(arrays["idf"])

    def npz(idf_size):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, values in arrays.items():
                z.writestr(f"{name}.npy", _padded_npy(values, idf_size if name == "idf" else 200 + 8 * len(values)))
        return buf.getvalue()

    np.testing.assert_array_equal(load(_forge_npz(tmp_path, saved, npz(limit))).space_.idf, arrays["idf"])
    path = _forge_npz(tmp_path, saved, npz(limit + 1))
    with pytest.raises(
        ModelFileError, match=f"array 'idf' is {limit + 1:,} bytes uncompressed; .* at most {limit:,}"
    ) as big:
        load(path)
    with pytest.raises(ModelFileError, match="unknown or repeated member 'junk.npy'") as unknown:
        load(_forge_npz(tmp_path, saved, _npz({"junk.npy": ((1,), b"\0" * 8)})))
    short = {f"{k}.npy": (v.shape, v.astype("<f8").tobytes()) for k, v in arrays.items()}
    short["idf.npy"] = (arrays["idf"].shape, b"\0" * 8)
    with pytest.raises(ModelFileError, match="array 'idf' does not hold exactly its") as few:
        load(_forge_npz(tmp_path, saved, _npz(short)))
    for err in (big, unknown, few):
        assert str(err.value).startswith(f"{path}: ") and "edited or is damaged" in str(err.value)


def test_unreadable_json_or_arrays_say_what_is_wrong(saved, tmp_path):
    meta, state, arrays = copy.deepcopy(saved)
    cases = [
        (b'{"params": ', r"model.json is not valid JSON \(Expecting value: line 1 column 12"),
        (b"[" * 100_000 + b"]" * 100_000, r"model.json is not valid JSON \(nested too deeply\)$"),
    ]
    for model_json, message in cases:
        with pytest.raises(ModelFileError, match=message):
            load(_forge(tmp_path, meta, state, arrays, model_json=model_json))
    path = _forge_npz(tmp_path, saved, b"not a zip")
    with pytest.raises(
        ModelFileError, match="arrays.npz is not readable as plain arrays: File is not a zip file"
    ) as err:
        load(path)
    assert str(err.value).startswith(f"{path}: ")


def test_metadata_may_fill_its_limit_and_not_a_byte_more(tmp_path):
    """metadata.json may be 1 MiB uncompressed (it is refused from its declared size past that), of JSON; each
    refusal names the file."""
    path = tmp_path / "m.tpmc"
    for read in (tpmclassify.read_metadata, tpmclassify.load):  # a ModelFileError, and a FileNotFoundError too
        with pytest.raises(tpmclassify.ModelFileNotFoundError, match="^model file not found: .*m.tpmc$") as err:
            read(path)
        assert isinstance(err.value, ModelFileError) and isinstance(err.value, FileNotFoundError)
    for read in (tpmclassify.read_metadata, tpmclassify.load):  # a folder, or no path at all, is said to be so
        with pytest.raises(ModelFileError, match=r"is a folder: name the model file \(\.tpmc\) in it$"):
            read(tmp_path)
        with pytest.raises(ModelFileError, match=r"named by a path \(str or os.PathLike\), got NoneType$"):
            read(None)
    path.write_bytes(b"PK not a zip")
    with pytest.raises(
        ModelFileError, match=r"^.*m.tpmc is not a readable .*\. Save it again with tpmclassify.save\(\)"
    ):
        tpmclassify.read_metadata(path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", b"classes: tpm")
    with pytest.raises(ModelFileError, match=r"^.*m.tpmc: metadata.json is not valid JSON \(Expecting value"):
        tpmclassify.read_metadata(path)
    for size, error in ((1 << 20, None), ((1 << 20) + 1, "metadata.json is 1,048,577 bytes uncompressed")):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("metadata.json", b'{"classes": ["other", "pm", "tpm"]}'.ljust(size))
        if error is None:
            assert tpmclassify.read_metadata(path) == {"classes": ["other", "pm", "tpm"]}
        else:
            with pytest.raises(ModelFileError, match=f"^.*m.tpmc: {error}; the limit is 1,048,576$"):
                tpmclassify.read_metadata(path)


@pytest.mark.parametrize("member", ["metadata.json", "model.json"])
def test_a_damaged_compressed_member_is_a_model_file_error(small_model, tmp_path, member):
    """A file damaged inside a member's compressed bytes (a bad copy, a flipped block) is refused as a damaged model
    file, however the damage shows: a stream zlib cannot inflate (it raised ``zlib.error`` itself before) or one
    whose checksum is wrong."""
    path = tmp_path / "m.tpmc"
    tpmclassify.save(small_model, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    name_len, extra_len = (
        int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little"),
        int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little"),
    )
    start = info.header_offset + 30 + name_len + extra_len  # the member's compressed bytes
    assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > 25
    data[start + 5 : start + 25] = bytes(b ^ 0xFF for b in data[start + 5 : start + 25])
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupted or truncated"):
        load(path)
    if member == "metadata.json":
        with pytest.raises(ModelFileError, match="corrupted or truncated"):
            tpmclassify.read_metadata(path)


def test_a_card_states_the_model_s_own_weights_under_its_name(bundled, small_model, tmp_path):
    """From a mutation run of ``_card`` (the counts of weights taken over all columns, or none, and the title's name
    changed, passed): the role head's line counts the model's own non-zero cue and n-gram weights, and the title is the
    model's name, else its file's."""
    from tpmclassify.evaluation import model_card

    n = len(bundled.cues_)
    cues, grams = np.count_nonzero(bundled.coef_[:n]), np.count_nonzero(bundled.coef_[n:])
    roles = sum(c.role in ("tpm", "pm") for c in bundled.cues_)
    assert 0 < cues < roles < grams  # (counts that cannot be mistaken for each other)
    card = model_card(bundled).splitlines()
    assert card[0] == "# tpmclassify model card: default"
    role_head = f"- role head: {cues} of {roles} TPM/PM cues carry weight, each on its table side, beside {grams} "
    assert any(line.startswith(role_head) for line in card)
    tpmclassify.save(small_model, tmp_path / "mine.tpmc")
    assert (tmp_path / "mine.md").read_text().splitlines()[0] == "# tpmclassify model card: mine.tpmc"


@pytest.mark.filterwarnings("ignore:training on 10 labeled rows")  # (ten postings: fewer than train() likes)
def test_a_card_states_where_its_model_came_from_as_its_metadata_records_it(postings, tmp_path):
    """From a mutation run of ``model_card`` (each metadata key read as another, or as its default; the description,
    summary or a section's title dropped or changed; the parameters' block without its ``cues`` left out, passed):
    the card says what the model file's own metadata says, line for line."""
    import nltk
    import sklearn

    frame = postings.assign(source=[f"board {i % 3}" for i in range(len(postings))])
    model = tpmclassify.train(frame, group_column="source", cv=2, min_df=1, min_groups=1)
    path = tmp_path / "mine.tpmc"
    tpmclassify.save(model, path, extra={"description": "For the Q3 export.", "summary": "Reads TPM vs PM."})
    meta, card = tpmclassify.read_metadata(path), (tmp_path / "mine.md").read_text()
    lines, data = card.splitlines(), meta["training_data"]
    assert lines[:3] == ["# tpmclassify model card: mine.tpmc", "", "For the Q3 export."]
    assert "\n## Summary\n\nReads TPM vs PM.\n" in card
    assert (
        f"- created: {meta['created']} with tpmclassify {tpmclassify.__version__}, "
        f"scikit-learn {sklearn.__version__}, nltk {nltk.__version__}"
    ) in lines
    labels = frame["label"].value_counts()
    assert data["labels"] == {k: int(labels[k]) for k in sorted(labels.index)} and data["sources"] == 3
    assert lines[lines.index("## Training data") + 2 :][:2] == [
        f"- rows: {len(frame)}, labels: {data['labels']}",
        f"- sources: 3, fingerprint: `{data['sha256']}`",
    ]
    params = {k: v for k, v in model.get_params().items() if k != "cues"}
    start = lines.index("## Parameters") + 3
    assert lines[start - 1] == "```" and lines[start + len(params)] == "```"
    assert lines[start : start + len(params)] == [f"{k} = {v!r}" for k, v in sorted(params.items())]


@pytest.mark.filterwarnings("ignore:training on")  # (a few postings: fewer than train() likes)
@pytest.mark.filterwarnings("ignore:0 'other' rows")
def test_a_card_says_what_it_does_not_know_and_which_scope_head_the_model_has(postings, small_model, tmp_path):
    """From the same run (a missing key's '?' or title's 'model' changed, the scope head's three cases swapped, a
    caller's own training data and metrics under another title, passed)."""
    from tpmclassify.evaluation import model_card

    fresh = tpmclassify.TPMClassifier(cv=2, min_df=1, min_groups=1).fit(postings["description"], postings["label"])
    lines = model_card(fresh).splitlines()  # never saved, trained by fit(): nothing recorded
    assert lines[0] == "# tpmclassify model card: model"
    assert "- created: ? with tpmclassify ?, scikit-learn ?, nltk ?" in lines
    chosen = f"- in-scope threshold: {fresh.scope_threshold_} (the highest that keeps "
    assert any(line.startswith(chosen) for line in lines)
    fresh.set_params(scope_threshold=0.25)
    assert f"- in-scope threshold: 0.25 (set; fit chose {fresh.scope_threshold_}); below it the label is 'other'" in (
        model_card(fresh).splitlines()
    )
    roles = postings[postings["label"].isin(["tpm", "pm"])]
    no_scope = tpmclassify.train(roles, group_column=None, cv=2, min_df=1, min_groups=1)
    lines = model_card(no_scope).splitlines()
    assert any(
        line.startswith("- in scope: no scope head (trained on fewer than 2 'other' postings)") for line in lines
    )
    assert (
        lines[lines.index("## Training data") + 3]
        == f"- sources: ?, fingerprint: `{no_scope.metadata_['training_data']['sha256']}`"
    )
    tpmclassify.save(small_model, tmp_path / "m.tpmc", extra={"training_data": "an ATS export", "metrics": [0.9]})
    card = (tmp_path / "m.md").read_text()
    assert "\n## Training data\n\nan ATS export\n" in card and "\n## Metrics\n\n[0.9]\n" in card


def test_a_card_states_the_floors_and_the_titled_threshold_of_its_model_and_titles_each_metrics_table(bundled):
    """From the same run (the floors' sentences swapped or dropped, a titled threshold left unsaid, a table of
    metrics put under "Metrics" rather than its own title, passed)."""
    import copy

    from tpmclassify.evaluation import model_card

    assert bundled.min_evidence_ >= 0.005 and bundled.min_words_ > 0
    floors = (
        f"add up (in magnitude) to less than {bundled.min_evidence_:.2f}, or whose text has fewer than "
        f"{bundled.min_words_} words (not counting"
    )
    assert floors in model_card(bundled)
    short_other = "or an out-of-scope answer of that few words (a sentence, not a posting, whatever it reads as)"
    assert f"what 99% of the training postings have, {short_other}, or any" in (model_card(bundled))
    model = copy.copy(bundled)
    model.min_words_ = 0  # no floor on words: no short answer of either kind
    assert short_other not in model_card(model)
    model = copy.copy(bundled)
    model.scope_coef_ = None  # no scope head (trained without 'other' rows): no answer is out of scope
    assert short_other not in model_card(model) and floors in model_card(model)
    model = copy.copy(bundled).set_params(titled_scope_threshold=0.125)
    model.metadata_ = {"metrics": {"Leave one source out": {"mine": {"macro_f1": 0.9}}}}
    card = model_card(model)
    assert "; or a TPM-, PM- or hybrid-titled posting's content is in scope under 0.125" in card
    assert "\n## Leave one source out\n\n" in card and "\n## Metrics\n" not in card


def test_a_card_saved_after_with_prior_says_its_figures_were_measured_at_the_old_share(tmp_path):
    """The card of a model saved after ``with_prior`` showed figures measured at its training share under a header
    giving the new one (a review): it says which share they were measured at, until the share is set back."""
    model = tpmclassify.default_model()
    shifted = model.with_prior(0.2)
    tpmclassify.save(shifted, tmp_path / "m.tpmc")
    card = (tmp_path / "m.md").read_text(encoding="utf-8")
    said = f"measured with this model at a TPM share of {model.prior_:.3g}, before `with_prior` set it to 0.2"
    assert said in card and card.index(said) < card.index("## Leave-one-source-out")
    tpmclassify.save(shifted.with_prior(0.3).with_prior(model.prior_), tmp_path / "back.tpmc")
    assert "before `with_prior`" not in (tmp_path / "back.md").read_text(encoding="utf-8")
    fresh = {"metrics": {"Evaluation (measured at 0.2)": {"masked": {"brier": 0.05}}}}
    tpmclassify.save(shifted, tmp_path / "fresh.tpmc", extra=fresh)  # figures of its own: no note (a review)
    assert "before `with_prior`" not in (tmp_path / "fresh.md").read_text(encoding="utf-8")
    loaded = tpmclassify.load(tmp_path / "m.tpmc").with_prior(0.4)  # (the share measured at survives saving)
    tpmclassify.save(loaded, tmp_path / "again.tpmc")
    assert f"share of {model.prior_:.3g}, before `with_prior` set it to 0.4" in (tmp_path / "again.md").read_text()


def test_a_file_and_its_card_record_the_parameters_the_model_was_fitted_with(small_model, postings, tmp_path):
    """From an analyst's review: parameters of the fit changed by set_params after it (in effect at the next fit
    only) were written to the file and the card, which then described a method the model was not fitted with and
    reloaded as another; the answers' parameters apply at once and are recorded as set."""
    model = copy.copy(small_model).set_params(C=100.0, min_df=4, mask_rate=0.9, ngram_max=3, prior=0.3)
    with pytest.warns(UserWarning, match=r"^C, mask_rate, min_df, ngram_max changed by set_params since") as seen:
        tpmclassify.save(model, tmp_path / "m.tpmc")
    assert [w.filename for w in seen] == [__file__]
    loaded = load(tmp_path / "m.tpmc")
    fitted = small_model.get_params()
    assert {k: loaded.get_params()[k] for k in ("C", "min_df", "mask_rate", "ngram_max", "prior")} == {
        **{k: fitted[k] for k in ("C", "min_df", "mask_rate", "ngram_max")},
        "prior": 0.3,
    }
    card = (tmp_path / "m.md").read_text(encoding="utf-8").splitlines()
    assert f"C = {fitted['C']!r}" in card and "min_df = 1" in card and "mask_rate = 0.5" in card
    assert "prior = 0.3" in card and "C = 100.0" not in card
    with warnings.catch_warnings():  # a model saved as fitted, or loaded and saved again, says nothing
        warnings.simplefilter("error")
        tpmclassify.save(loaded, tmp_path / "again.tpmc")
        refit = copy.deepcopy(model).fit(postings["description"].tolist(), postings["label"].tolist())
        tpmclassify.save(refit, tmp_path / "refit.tpmc")
    assert load(tmp_path / "refit.tpmc").get_params()["C"] == 100.0
    # (from a review of this: a value no fit takes, set after the fit, refused a save that never writes it, and a cue
    # table that is no table was a bare TypeError)
    for odd in ({"min_df": 0}, {"cues": 5}):
        with pytest.warns(UserWarning, match=rf"^{next(iter(odd))} changed by set_params since the model was fitted"):
            tpmclassify.save(copy.copy(small_model).set_params(**odd), tmp_path / "odd.tpmc", overwrite=True)
        assert load(tmp_path / "odd.tpmc").min_df == 1


def test_a_vocabulary_a_model_file_cannot_hold_is_refused_before_the_heads_are_fitted(postings, tmp_path, monkeypatch):
    """From an analyst's review: max_features=None trained a model of 274,869 n-grams for 21 s, which save then
    refused. A fit that keeps more n-grams than a file holds is refused as soon as they are counted, whatever
    max_features says; a max_features past the bound is no error in itself (a file of one loads, as it always did)."""
    from tpmclassify import _model, _vocabulary

    texts, labels = postings["description"].tolist(), postings["label"].tolist()
    wide = tpmclassify.TPMClassifier(max_features=250_000, min_df=1, min_groups=1, cv=2).fit(texts, labels)
    tpmclassify.save(wide, tmp_path / "wide.tpmc")
    assert load(tmp_path / "wide.tpmc").max_features == 250_000
    monkeypatch.setattr(_vocabulary, "MAX_VOCABULARY", 50)
    monkeypatch.setattr(_model, "fit_role", lambda *a, **k: pytest.fail("a head was fitted"))
    for most in (None, 51):
        kept = rf"^the fit keeps [\d,]+ n-grams \(max_features={most}, min_df=1, min_groups=1\); a model holds at"
        with pytest.raises(InvalidValueError, match=kept) as err:
            tpmclassify.TPMClassifier(max_features=most, min_df=1, min_groups=1, cv=2).fit(texts, labels)
        assert str(err.value).endswith("most 50: set max_features to at most that")
    monkeypatch.undo()
    assert len(tpmclassify.TPMClassifier(max_features=50, min_df=1, cv=2).fit(texts, labels).space_.vocabulary) == 50
