"""The embedded demo data set: a synthetic cluster panel and region context that look real.

SYNTHETIC DATA. Every number is drawn from a seeded random generator shaped to resemble the
European cluster mapping: heavy-tailed region sizes, regional specialisations, country wage
levels, sector growth trends, emerging industries built from the traded categories they cut
across, and suppressed cells as in real business statistics. It is for trying the toolkit,
never for conclusions about a real region. The metadata of both files says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import paths
from toolkit.files import write_parquet_atomic
from toolkit.parameters import IndicatorCatalogue, load_indicators
from toolkit.presentation import SYNTHETIC_NOTICE
from toolkit.reference import load_sectors, nuts2_regions

DEFAULT_SEED = 2019
YEARS = tuple(range(2011, 2021))
GENERATOR_VERSION = "2"

# Average annual wage per employee (EUR, 2011) by country: rough real-world levels so that
# the productivity star favours the countries and capitals it would favour in real data.
COUNTRY_WAGE_2011 = {
    "AT": 42000,
    "BE": 46000,
    "BG": 5500,
    "CY": 24000,
    "CZ": 13000,
    "DE": 42000,
    "DK": 55000,
    "EE": 12500,
    "EL": 21000,
    "ES": 27000,
    "FI": 42000,
    "FR": 42000,
    "HR": 13000,
    "HU": 10500,
    "IE": 45000,
    "IT": 32000,
    "LT": 9000,
    "LU": 56000,
    "LV": 9500,
    "MT": 19000,
    "NL": 45000,
    "PL": 10500,
    "PT": 17000,
    "RO": 7000,
    "SE": 44000,
    "SI": 22000,
    "SK": 11500,
    "UK": 40000,
    "CH": 75000,
    "IS": 45000,
    "LI": 80000,
    "NO": 60000,
    "ME": 8000,
    "MK": 6500,
    "AL": 4500,
    "RS": 7000,
    "TR": 11000,
}

# Traded categories that each emerging industry draws on, with the fraction of their
# employment it counts (emerging industries overlap the traded categories by construction).
EMERGING_COMPOSITION = {
    "Advanced Packaging": {
        "Paper and Packaging": 0.55,
        "Plastics": 0.25,
        "Printing Services": 0.15,
    },
    "Biopharmaceuticals": {"Biopharmaceuticals": 0.9, "Upstream Chemical Products": 0.08},
    "Blue Growth Industries": {
        "Water Transportation": 0.8,
        "Fishing and Fishing Products": 0.7,
        "Oil and Gas Production and Transportation": 0.2,
    },
    "Creative Industries": {
        "Marketing, Design, and Publishing": 0.7,
        "Video Production and Distribution": 0.8,
        "Performing Arts": 0.8,
        "Music and Sound Recording": 0.9,
    },
    "Digital Industries": {
        "Information Technology and Analytical Instruments": 0.6,
        "Communications Equipment and Services": 0.7,
        "Business Services": 0.12,
    },
    "Environmental Industries": {
        "Environmental Services": 0.85,
        "Electric Power Generation and Transmission": 0.25,
    },
    "Experience Industries": {"Hospitality and Tourism": 0.8, "Performing Arts": 0.3},
    "Logistical Services": {
        "Transportation and Logistics": 0.75,
        "Distribution and Electronic Commerce": 0.2,
    },
    "Medical Devices": {
        "Medical Devices": 0.9,
        "Information Technology and Analytical Instruments": 0.05,
    },
    "Mobility Technologies": {
        "Automotive": 0.6,
        "Aerospace Vehicles and Defense": 0.4,
        "Trailers, Motor Homes, and Appliances": 0.2,
    },
}

# Large service categories hold far more employment than niche manufacturing ones.
BIG_SECTORS = {
    "Business Services": 9.0,
    "Distribution and Electronic Commerce": 9.0,
    "Hospitality and Tourism": 6.0,
    "Transportation and Logistics": 5.0,
    "Education and Knowledge Creation": 4.5,
    "Financial Services": 3.5,
    "Construction Products and Services": 2.5,
    "Food Processing and Manufacturing": 3.0,
    "Marketing, Design, and Publishing": 2.0,
    "Insurance Services": 1.8,
    "Automotive": 2.0,
    "Production Technology and Heavy Machinery": 1.8,
    "Information Technology and Analytical Instruments": 1.8,
}
SMALL_SECTORS = {
    "Tobacco": 0.05,
    "Footwear": 0.12,
    "Jewelry and Precious Metals": 0.08,
    "Coal Mining": 0.1,
    "Metal Mining": 0.06,
    "Leather and Related Products": 0.1,
    "Music and Sound Recording": 0.08,
    "Fishing and Fishing Products": 0.15,
    "Oil and Gas Production and Transportation": 0.2,
    "Nonmetal Mining": 0.12,
    "Water Transportation": 0.2,
}
RESOURCE_SECTORS = {
    "Coal Mining",
    "Metal Mining",
    "Oil and Gas Production and Transportation",
    "Fishing and Fishing Products",
    "Water Transportation",
    "Forestry",
}


@dataclass(frozen=True)
class DemoData:
    panel: pd.DataFrame
    context: pd.DataFrame
    metadata: dict[str, str]


def _metadata(seed: int) -> dict[str, str]:
    return {
        "synthetic": "true",
        "source": "EOCIC Cluster Toolkit demo generator (synthetic)",
        "notice": SYNTHETIC_NOTICE,
        "seed": str(seed),
        "generator_version": GENERATOR_VERSION,
        "years": f"{YEARS[0]}-{YEARS[-1]}",
        "nuts_version": "2016",
    }


def generate_demo(
    seed: int = DEFAULT_SEED,
    regions: pd.DataFrame | None = None,
    sectors: pd.DataFrame | None = None,
    indicators: IndicatorCatalogue | None = None,
) -> DemoData:
    """Generate the demo panel and context for every NUTS-2 region x sector x year 2011-2020."""
    rng = np.random.default_rng(seed)
    regions = nuts2_regions(regions)
    sectors = load_sectors() if sectors is None else sectors
    indicators = load_indicators() if indicators is None else indicators
    traded = sectors[sectors["type"] != "emerging"].reset_index(drop=True)
    emerging = sectors[sectors["type"] == "emerging"].reset_index(drop=True)
    codes = regions["code"].to_numpy()
    countries = regions["country"].to_numpy()
    n_regions, n_traded, n_years = len(codes), len(traded), len(YEARS)
    country_list = sorted(set(countries))
    country_index = np.array([country_list.index(c) for c in countries])

    # Region size: heavy-tailed base (traded) employment, persons, 2011.
    region_size = np.exp(rng.normal(np.log(180_000), 0.85, n_regions))
    capital = _capital_flags(regions)
    region_size *= np.where(capital, 2.2, 1.0)

    # Sector weights across Europe, then country and regional deviations (specialisations).
    names = traded["name"].tolist()
    base = np.exp(rng.normal(0.0, 0.45, n_traded))
    base *= np.array([BIG_SECTORS.get(n, 1.0) * SMALL_SECTORS.get(n, 1.0) for n in names])
    country_dev = np.exp(rng.normal(0.0, 0.45, (len(country_list), n_traded)))
    region_dev = np.exp(rng.normal(0.0, 0.55, (n_regions, n_traded)))
    strong = rng.random((n_regions, n_traded)) < 0.045
    region_dev = np.where(
        strong, region_dev * rng.uniform(2.5, 6.0, (n_regions, n_traded)), region_dev
    )
    resource = np.array([n in RESOURCE_SECTORS for n in names])
    absent = (rng.random((n_regions, n_traded)) < 0.45) & resource
    weights = base * country_dev[country_index] * region_dev
    weights = np.where(absent, weights * 0.01, weights)
    shares = weights / weights.sum(axis=1, keepdims=True)
    employment0 = shares * region_size[:, None]

    # Growth: sector trend + regional trend + persistent cluster trend + yearly noise.
    t = np.arange(n_years)
    growth = (
        rng.normal(0.004, 0.015, n_traded)[None, :]
        + rng.normal(0.0, 0.008, n_regions)[:, None]
        + rng.normal(0.0, 0.018, (n_regions, n_traded))
    )
    noise = rng.normal(0.0, 0.025, (n_regions, n_traded, n_years))
    employment = employment0[:, :, None] * np.exp(growth[:, :, None] * t[None, None, :] + noise)

    # Wages: country level x sector premium x capital premium, 1.8 % nominal growth a year.
    wage_country = np.array([COUNTRY_WAGE_2011.get(c, 15000) for c in country_list])[country_index]
    sector_premium = np.exp(rng.normal(0.0, 0.18, n_traded))
    region_premium = np.exp(rng.normal(0.0, 0.07, n_regions)) * np.where(capital, 1.18, 1.0)
    cell_premium = np.exp(rng.normal(0.0, 0.06, (n_regions, n_traded)))
    wpe = (wage_country * region_premium)[:, None] * sector_premium[None, :] * cell_premium
    wpe = wpe[:, :, None] * (1.018**t)[None, None, :]
    firm_size = np.exp(rng.normal(np.log(12), 0.6, n_traded))
    enterprises = (
        employment / firm_size[None, :, None] * np.exp(rng.normal(0, 0.1, employment.shape))
    )

    # Emerging industries: fractions of the traded categories they cut across.
    index_of = {n: i for i, n in enumerate(names)}
    em_emp = np.zeros((n_regions, len(emerging), n_years))
    em_wages = np.zeros_like(em_emp)
    em_ent = np.zeros_like(em_emp)
    for j, industry in enumerate(emerging["name"]):
        for traded_name, fraction in EMERGING_COMPOSITION.get(industry, {}).items():
            i = index_of.get(traded_name)
            if i is None:
                continue
            em_emp[:, j] += fraction * employment[:, i]
            em_wages[:, j] += fraction * employment[:, i] * wpe[:, i]
            em_ent[:, j] += fraction * enterprises[:, i]
    em_wpe = np.divide(em_wages, em_emp, out=np.zeros_like(em_wages), where=em_emp > 0)

    all_emp = np.concatenate([employment, em_emp], axis=1)
    all_wpe = np.concatenate([wpe, em_wpe], axis=1)
    all_ent = np.concatenate([enterprises, em_ent], axis=1)
    sector_codes = np.concatenate([traded["code"].to_numpy(), emerging["code"].to_numpy()])
    n_sectors = len(sector_codes)

    emp = np.round(all_emp)
    ent = np.maximum(np.round(all_ent), np.where(emp > 0, 1, 0))
    wages = np.round(all_wpe * emp, -3)
    # Statistical confidentiality: small cells have enterprises and wages suppressed, and a
    # few cells are missing altogether, as in real structural business statistics.
    small = emp < 30
    wages = np.where(small, np.nan, wages)
    ent = np.where(small & (rng.random(emp.shape) < 0.5), np.nan, ent)
    missing = rng.random(emp.shape) < 0.01
    emp = np.where(missing, np.nan, emp)
    wages = np.where(missing, np.nan, wages)
    ent = np.where(missing, np.nan, ent)

    panel = pd.DataFrame(
        {
            "region": np.repeat(codes, n_sectors * n_years),
            "sector": np.tile(np.repeat(sector_codes, n_years), n_regions),
            "year": np.tile(np.array(YEARS, dtype="int64"), n_regions * n_sectors),
            "employment": emp.reshape(-1),
            "enterprises": ent.reshape(-1),
            "wages": wages.reshape(-1),
        }
    )
    traded_total = np.nansum(np.where(np.isnan(employment), 0, employment), axis=1)  # (R, T)
    context = _context(
        rng, regions, capital, wage_country * region_premium, traded_total, indicators
    )
    meta = _metadata(seed)
    panel.attrs.update(meta)
    context.attrs.update(meta)
    return DemoData(panel=panel, context=context, metadata=meta)


def _capital_flags(regions: pd.DataFrame) -> np.ndarray:
    """Capital-city regions (a rough list by NUTS-2 code) earn a size and wage premium."""
    capitals = {
        "AT13",
        "BE10",
        "BG41",
        "CZ01",
        "DE30",
        "DK01",
        "EE00",
        "EL30",
        "ES30",
        "FI1B",
        "FR10",
        "HR04",
        "HU11",
        "IE06",
        "ITI4",
        "LT01",
        "LV00",
        "NL32",
        "PL91",
        "PT17",
        "RO32",
        "SE11",
        "SI04",
        "SK01",
        "UKI3",
        "NO01",
        "CH01",
        "TR10",
    }
    return regions["code"].isin(capitals).to_numpy()


def _context(
    rng: np.random.Generator,
    regions: pd.DataFrame,
    capital: np.ndarray,
    wage_level: np.ndarray,
    traded_total: np.ndarray,
    indicators: IndicatorCatalogue,
) -> pd.DataFrame:
    """Region context: structural totals and every scoreboard indicator within its real range."""
    n_regions, n_years = traded_total.shape
    # One latent "development level" per region, from wages (a proxy for income level), drives
    # most indicators with noise of their own, as real indicators correlate but not perfectly.
    level = np.log(wage_level)
    level = (level - level.mean()) / level.std() + np.where(capital, 0.6, 0.0)
    t = np.arange(n_years)
    columns: dict[str, np.ndarray] = {}
    total_employment = traded_total / rng.uniform(0.33, 0.42, n_regions)[:, None]
    columns["total_employment"] = np.round(total_employment)
    columns["population"] = np.round(total_employment / rng.uniform(0.38, 0.50, n_regions)[:, None])
    for code, indicator in indicators.indicators.items():
        if code in columns or not indicator.demo:
            continue
        low, high = indicator.typical
        # Indicators correlate with the development level (r around 0.5-0.7 in real regional
        # data), but every region has weaknesses of its own.
        loading = rng.uniform(0.5, 0.9)
        own = rng.normal(0.0, 1.0, n_regions)
        sign = 1.0 if indicator.higher_is_better else -1.0
        z = sign * loading * level + own
        trend = rng.normal(0.02, 0.02) * t  # slow drift of the whole distribution
        drift = rng.normal(0.0, 0.05, (n_regions, n_years)).cumsum(axis=1) * 0.5
        score = 1.0 / (1.0 + np.exp(-(z[:, None] + sign * trend[None, :] + drift) * 0.9))
        # Map into the central part of the real range, leaving the extremes to real outliers.
        values = low + (high - low) * (0.05 + 0.9 * score)
        columns[code] = np.round(values, 3)
    frame = pd.DataFrame(
        {
            "region": np.repeat(regions["code"].to_numpy(), n_years),
            "year": np.tile(np.array(YEARS, dtype="int64"), n_regions),
        }
    )
    for code, values in columns.items():
        frame[code] = values.reshape(-1)
    # A few indicators are not published for every region and year (as in real scoreboards).
    for code in ("innovative_smes_collaborating", "eco_innovation", "digital_skills"):
        if code in frame.columns:
            frame.loc[rng.random(len(frame)) < 0.03, code] = np.nan
    return frame


def write_demo(out_dir: str | Path | None = None, seed: int = DEFAULT_SEED) -> tuple[Path, Path]:
    """Generate the demo data and write ``panel.parquet`` and ``context.parquet`` atomically."""
    out = Path(out_dir) if out_dir is not None else paths.demo_dir()
    demo = generate_demo(seed)
    panel_path, context_path = out / "panel.parquet", out / "context.parquet"
    write_parquet_atomic(demo.panel, panel_path, demo.metadata)
    write_parquet_atomic(demo.context, context_path, demo.metadata)
    return panel_path, context_path


def demo_paths() -> tuple[Path, Path]:
    return paths.demo_dir() / "panel.parquet", paths.demo_dir() / "context.parquet"


def ensure_demo() -> tuple[Path, Path]:
    """The demo files, generated first when they are not there yet."""
    panel_path, context_path = demo_paths()
    if not (panel_path.is_file() and context_path.is_file()):
        return write_demo()
    return panel_path, context_path
