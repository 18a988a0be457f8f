"""What the demo data is calibrated to: the plan's baselines the synthetic landscape and layers hit.

The manifest records these next to the figures achieved (``calibration["targets"]``).
"""

from __future__ import annotations

__all__ = [
    "BALANCING_DISTRICT",
    "BUILTUP_AREA_KM2",
    "BUILTUP_GREEN_TARGET",
    "CHARGING_PILES_TOTAL",
    "CITY_WOODY_TARGET",
    "NEW_BUILTUP_SHARE",
    "PV_TOTAL_KW",
    "SWAP_PUBLIC",
    "WETLAND_PROTECTION_TARGET",
    "WOODY_TARGETS",
]

# 林木覆盖率 proxy per district (% of official area). 宜兴 balances the city to the city-wide figure,
# and 梁溪 takes whatever its urban green gives (it has no countryside to calibrate).
WOODY_TARGETS: dict[int, dict[str, float]] = {
    2020: {"320205": 19.0, "320206": 20.0, "320211": 23.2, "320214": 14.0, "320281": 20.2},
    2024: {"320205": 19.3, "320206": 20.3, "320211": 23.5, "320214": 14.3, "320281": 20.45},
}
CITY_WOODY_TARGET = {2020: 27.40, 2024: 27.60}
BALANCING_DISTRICT = "320282"
BUILTUP_AREA_KM2 = 610.0  # the 建成区 polygons' total (about 600 km² after smoothing)
BUILTUP_GREEN_TARGET = 43.0  # % of the 建成区, 2024
NEW_BUILTUP_SHARE = 0.06  # share of the 2024 建成区 (non-water) that was still rural in 2020
WETLAND_PROTECTION_TARGET = 50.5  # %, 2024
PV_TOTAL_KW = 2_200_000.0
SWAP_PUBLIC = 44
CHARGING_PILES_TOTAL = 161_000
