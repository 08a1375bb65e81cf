import numpy as np
import pytest

from utils.validation import (DivergenceError, as_array, check_binary_labels, check_finite, check_positive_int,
                              check_range, check_same_columns, check_same_keys)


def test_as_array_accepts_matching_partial_shape():
    assert as_array(np.zeros((2, 5)), "X", shape=(2, None)).shape == (2, 5)


def test_as_array_error_names_expected_and_actual_shape():
    with pytest.raises(ValueError, match=r"X must have shape \(2, m\), got shape \(3, 5\)"):
        as_array(np.zeros((3, 5)), "X", shape=(2, None))


def test_as_array_rejects_wrong_ndim_and_non_numeric():
    with pytest.raises(ValueError, match="3 dimensions"):
        as_array(np.zeros(4), "A", ndim=3)
    with pytest.raises(ValueError, match="numeric"):
        as_array("abc", "A")


def test_check_same_columns_reports_both_counts():
    with pytest.raises(ValueError, match="X has 4 examples .* Y has 3"):
        check_same_columns(np.zeros((2, 4)), np.zeros((1, 3)))


def test_check_binary_labels_accepts_zeros_and_ones_only():
    assert check_binary_labels([[0, 1, 1]]).shape == (1, 3)
    with pytest.raises(ValueError, match="only 0 and 1"):
        check_binary_labels([[0, 2, 1]])
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        check_binary_labels([0, 1])


def test_check_range_bounds_and_messages():
    assert check_range(0.5, "keep_prob", 0, 1, low_inclusive=False) == 0.5
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\], got 0.0"):
        check_range(0, "keep_prob", 0, 1, low_inclusive=False)
    with pytest.raises(ValueError, match="finite"):
        check_range(float("nan"), "lambd", 0)


def test_check_positive_int_rejects_bools_floats_and_zero():
    assert check_positive_int(3, "n") == 3
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="positive integer"):
            check_positive_int(bad, "n")


def test_check_finite_raises_divergence_error_with_iteration():
    assert check_finite(0.25, 3) == 0.25
    with pytest.raises(DivergenceError, match="iteration 7"):
        check_finite(float("inf"), 7)


def test_check_same_keys_names_missing_gradients():
    with pytest.raises(ValueError, match=r"\['db1'\]"):
        check_same_keys({"W1": 0, "b1": 0}, {"dW1": 0}, "parameters", "grads")
    check_same_keys({"W1": 0}, {"dW1": 0, "extra": 1}, "parameters", "grads")


def test_check_choice_names_the_argument_the_choices_and_what_came():
    from utils.validation import check_choice

    assert check_choice("adam", "optimizer", ("gd", "adam")) == "adam"
    with pytest.raises(ValueError, match=r"optimizer must be one of \['adam', 'gd'\], got 'sgd'"):
        check_choice("sgd", "optimizer", ("gd", "adam"))
    with pytest.raises(ValueError, match=r"mode must be a pooling mode, one of"):
        check_choice(["max"], "mode", {"max": 1}, "a pooling mode")  # unhashable: refused, not a TypeError


def test_check_keys_refuses_missing_and_unknown_keys():
    from utils.validation import check_keys

    check_keys({"stride": 1, "pad": 0}, "hparameters", required=("stride",), allowed=("stride", "pad"))
    with pytest.raises(ValueError, match=r"hparameters is missing \['pad'\]"):
        check_keys({"stride": 1}, "hparameters", required=("stride", "pad"))
    with pytest.raises(ValueError, match=r"bn_param has unknown keys \['momentun'\]"):
        check_keys({"momentun": 0.5}, "bn_param", allowed=("mode", "momentum"))
    with pytest.raises(ValueError, match="hparameters must be a dict, got list"):
        check_keys([1], "hparameters")


def test_check_layer_parameters_counts_layers_and_names_the_missing_bias():
    from utils.validation import check_layer_parameters

    assert check_layer_parameters({"W1": 0, "b1": 0, "W2": 0, "b2": 0}) == 2
    with pytest.raises(ValueError, match="parameters is missing 'b2'"):
        check_layer_parameters({"W1": 0, "b1": 0, "W2": 0})
    with pytest.raises(ValueError, match="parameters is missing 'beta1'"):
        check_layer_parameters({"W1": 0, "gamma1": 0}, biases=("gamma", "beta"))
    with pytest.raises(ValueError, match="must hold W1"):
        check_layer_parameters({"b1": 0})


def test_check_probabilities_closed_by_default_open_on_request():
    from utils.validation import check_probabilities

    assert check_probabilities([[0.0, 0.5, 1.0]], "AL").shape == (1, 3)
    with pytest.raises(ValueError, match=r"AL must hold probabilities in \[0, 1\], found \[1.5\]"):
        check_probabilities([[0.2, 1.5]], "AL")
    with pytest.raises(ValueError, match=r"p must hold probabilities in \(0, 1\), found \[0.0\]"):
        check_probabilities([0.0, 0.5], "p", open_interval=True)
    with pytest.raises(ValueError, match="found \\[nan\\]"):
        check_probabilities([np.nan], "p")


def test_check_number_and_check_mapping():
    from utils.validation import check_mapping, check_number

    assert check_number(np.float32(2.5), "x") == 2.5
    with pytest.raises(ValueError, match="theta must be a number"):
        check_number("a", "theta")
    with pytest.raises(ValueError, match="parameters must be a dict, got NoneType"):
        check_mapping(None, "parameters")
