"""What a training fit returns: a FitResult (weights and notes) or a bare weights dict (no notes)."""

import pytest

from denoisekit.fit_result import FitResult, as_fit_result


def test_a_fit_result_keeps_its_weights_and_notes():
    fitted = as_fit_result(FitResult({"state_dict": {}}, notes={"images": 3}))
    assert dict(fitted.weights) == {"state_dict": {}} and dict(fitted.notes) == {"images": 3}


def test_a_bare_weights_dict_has_no_notes():
    fitted = as_fit_result({"state_dict": {}})
    assert dict(fitted.weights) == {"state_dict": {}} and dict(fitted.notes) == {}


def test_anything_else_names_the_contract():
    with pytest.raises(TypeError, match="training returned list, expected a FitResult or a dict of weights"):
        as_fit_result([1, 2])
    with pytest.raises(TypeError, match="weights must be a dict"):
        FitResult([1, 2])
    with pytest.raises(ValueError, match="note names must be strings"):
        FitResult({}, notes={1: "x"})
