"""Method chips: one toggle per method, unknown names refused, toggling keeps the chips' order."""

import pytest

import xai_widgets as xw
from xai_widgets.kernel import MethodSpec
from xai_widgets.widgets.controls.method_chips import check_methods, method_chips, methods_for, toggled


def test_chips_are_pressed_where_enabled_and_report_toggles():
    specs = xw.methods()
    seen = []
    chips = method_chips(specs, ["saliency"], lambda name, on: seen.append((name, on)))
    assert set(chips) == set(specs) and chips["saliency"].value and not chips["gradient"].value
    chips["gradient"].value = True
    assert seen == [("gradient", True)]


def test_toggled_keeps_the_order_and_unknown_methods_are_refused():
    order = ["a", "b", "c"]
    assert toggled(["c"], order, "a", True) == ["a", "c"]
    assert toggled(["a", "c"], order, "a", False) == ["c"]
    with pytest.raises(xw.ExplainerError, match="unknown method"):
        check_methods(["salience"], xw.methods())


def test_each_explorer_is_offered_only_the_methods_that_apply_to_its_data():
    specs = xw.methods()
    image, table, sequence = (methods_for(kind, specs) for kind in ("image", "table", "sequence"))
    assert "in_silico_mutagenesis" not in image and "in_silico_mutagenesis" not in table
    assert "grad_cam" in image and "grad_cam" not in table and "score_cam" not in table
    assert set(sequence) == set(specs)
    # An explicit choice still gets its chip (and then its clear error if it does not apply).
    assert "grad_cam" in methods_for("table", specs, ["grad_cam"])


def test_a_method_declares_what_it_explains():
    with pytest.raises(ValueError, match="inputs must be one of"):
        MethodSpec("x", "gradient", (), "", lambda *a: None, inputs="pictures")
    assert xw.methods()["in_silico_mutagenesis"].applies_to("sequence")
