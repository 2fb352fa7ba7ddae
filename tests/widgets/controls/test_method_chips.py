"""Method chips: one toggle per method, unknown names refused, toggling keeps the chips' order."""

import pytest

import xai_widgets as xw
from xai_widgets.widgets.controls.method_chips import check_methods, method_chips, toggled


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
