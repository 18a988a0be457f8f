"""Overlapping wetland polygons count once: :func:`overlap_free_pieces` against the union's own area.

Squares in a 1 km × 2 km city (districts A west, B east, of the conftest city); areas by hand in m².
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from wuxi_atlas.analysis.wetland import overlap_free_pieces

X0, Y0 = 528_000.0, 3_490_000.0
A = box(X0, Y0, X0 + 1000, Y0 + 1000)
B = box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)


def _signed_area(pieces, signs, region) -> float:
    return float((shapely.area(shapely.intersection(pieces, region)) * signs).sum())


@pytest.mark.parametrize(
    "polygons",
    [
        # a pond over a river that crosses from A into B: pairs only (inclusion–exclusion)
        [box(X0 + 800, Y0, X0 + 1400, Y0 + 100), box(X0 + 900, Y0 + 50, X0 + 1100, Y0 + 300)],
        # the same river twice, and a pond touching it along an edge only
        [box(X0, Y0, X0 + 600, Y0 + 100)] * 2 + [box(X0 + 600, Y0, X0 + 700, Y0 + 100)],
        # three squares over one spot: a point in three polygons (dissolved instead)
        [
            box(X0 + 900, Y0, X0 + 1200, Y0 + 300),
            box(X0 + 1000, Y0 + 100, X0 + 1300, Y0 + 400),
            box(X0 + 950, Y0 + 50, X0 + 1100, Y0 + 350),
        ],
    ],
    ids=["pairs", "duplicate-and-touching", "triple"],
)
def test_signed_pieces_add_up_to_the_union_in_each_district(polygons):
    pieces, signs = overlap_free_pieces(np.array(polygons, dtype=object))
    union = shapely.union_all(polygons)
    for district in (A, B):
        assert _signed_area(pieces, signs, district) == pytest.approx(union.intersection(district).area)


def test_the_pair_case_keeps_the_polygons_and_subtracts_the_overlap():
    river, pond = box(X0, Y0, X0 + 600, Y0 + 100), box(X0 + 500, Y0, X0 + 700, Y0 + 200)
    pieces, signs = overlap_free_pieces(np.array([river, pond], dtype=object))
    assert signs.tolist() == [1.0, 1.0, -1.0]
    assert shapely.area(pieces).tolist() == pytest.approx([60_000.0, 40_000.0, 10_000.0])
