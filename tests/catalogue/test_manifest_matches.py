"""``manifest_matches``: a build is current only when its manifest reads and records exactly the given parameters."""

from denoisekit.api import manifest_matches, write_manifest


def test_manifest_matches_only_the_recorded_parameters(tmp_path):
    parameters = {"version": 1, "rate": 16000, "languages": ["de", "en"]}
    assert not manifest_matches(tmp_path, parameters)  # no manifest
    write_manifest(tmp_path, {"parameters": parameters, "files": []})
    assert manifest_matches(tmp_path, parameters)
    assert not manifest_matches(tmp_path, {**parameters, "rate": 8000})
    (tmp_path / "manifest.json").write_text("{truncated")
    assert not manifest_matches(tmp_path, parameters)  # unreadable JSON: rebuild, no traceback
