"""Parameter files are validated on load and errors name the file and the key."""

from __future__ import annotations

import pytest

from toolkit.errors import BadInputError
from toolkit.parameters import (
    load_indicators,
    load_regions_of_analysis,
    load_star_parameters,
)


def test_default_star_parameters_are_those_of_the_design():
    params = load_star_parameters()
    assert params.size_top_share == 0.10
    assert params.specialisation_min_lq == 2.0
    assert params.productivity_top_share == 0.10
    assert params.dynamism_top_share == 0.10
    assert params.reference_regions is None


def test_overrides_replace_file_values():
    assert load_star_parameters(year=2016).year == 2016


def test_bad_star_parameters_name_file_and_key(tmp_path):
    path = tmp_path / "stars.yaml"
    path.write_text("size_top_share: 1.5\nspecialisation_min_lq: two\nmystery: 1\n")
    with pytest.raises(BadInputError) as info:
        load_star_parameters(path)
    text = str(info.value)
    assert str(path) in text
    assert "'size_top_share'" in text and "'specialisation_min_lq'" in text and "'mystery'" in text
    assert len(info.value.problems) == 3


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "stars.yaml"
    path.write_text("year: 2018\nperiod: [1, 2\n")
    with pytest.raises(BadInputError) as info:
        load_star_parameters(path)
    assert info.value.problems[0].row is not None


def test_every_indicator_has_a_dimension_direction_and_weight():
    catalogue = load_indicators()
    assert set(catalogue.dimensions) == {
        "entrepreneurship",
        "innovation",
        "skills",
        "digitalisation",
        "internationalisation",
        "sustainability",
        "economic_performance",
    }
    for dimension in catalogue.dimensions:
        assert any(ind.dimension == dimension for ind in catalogue.scoreboard()), dimension
    assert catalogue.indicators["unemployment_rate"].direction == "lower_is_better"


def test_indicator_with_unknown_dimension_is_rejected(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "dimensions: {skills: Skills}\n"
        "indicators:\n  x:\n    name: X\n    unit: '%'\n    direction: up\n"
        "    dimension: space\n    typical: [1, 2]\n"
    )
    with pytest.raises(BadInputError) as info:
        load_indicators(path)
    assert "indicators.x.direction" in str(info.value)
    assert "indicators.x.dimension" in str(info.value)


def test_regions_of_analysis_reject_duplicates_and_empty_members(tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text(
        "regions:\n  - {id: a, name: A, members: [X1]}\n  - {id: a, name: A2, members: [X2]}\n"
        "  - {id: b, name: B, members: []}\n"
    )
    with pytest.raises(BadInputError) as info:
        load_regions_of_analysis(path)
    assert "used twice" in str(info.value) and "regions[3].members" in str(info.value)
