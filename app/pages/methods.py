"""The methods page (``?page=methods``): each indicator's definition, denominator, land-cover classes and
targets, the statistical targets, and where every layer comes from."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from wuxi_atlas.analysis.indicators import INDICATOR_IDS
from wuxi_atlas.analysis.paths import boundaries_path, demo_dir
from wuxi_atlas.analysis.schemes import load_scheme
from wuxi_atlas.analysis.targets import STATISTIC
from wuxi_atlas.app.context import Context
from wuxi_atlas.app.widgets import plain, synthetic_banner
from wuxi_atlas.maps.text import indicator_name, method_text, t, target_text

__all__ = ["render"]


def render(ctx: Context) -> None:
    """The methods page of ``ctx``."""
    synthetic_banner(ctx)
    st.caption(t("methods_intro", ctx.lang))
    latest = ctx.data.landcover.get(ctx.year) if ctx.year is not None else None
    scheme = load_scheme(latest.scheme) if latest else None
    for indicator in INDICATOR_IDS:
        definition, denominator, roles = method_text(indicator, ctx.lang)
        with st.expander(indicator_name(indicator, ctx.lang) + f"  `{indicator}`", expanded=False):
            st.markdown(f"**{t('definition', ctx.lang)}** {definition}")
            st.markdown(f"**{t('denominator', ctx.lang)}** {denominator}")
            if roles and scheme is not None:
                classes = [
                    f"{code} {cls.label_zh if ctx.lang == 'zh' else cls.label_en}"
                    for code, cls in sorted(scheme.classes.items())
                    if cls.role in roles
                ]
                mapping = plain(f"({scheme.title}): " + ", ".join(classes))
                st.markdown(f"**{t('class_mapping', ctx.lang)}** {mapping}")
            sample = next((r for r in ctx.results if r.indicator == indicator and r.computable), None)
            if sample is not None:
                # The engine's record of the computation is English (it is also what the exports carry):
                # the English page shows it; the Chinese page has the definition above, and the source.
                origin = f"{sample.source} {sample.vintage}".strip()
                if ctx.lang == "en":
                    st.caption(plain(f"{t('method_record', ctx.lang)}: {sample.method} — {origin}"))
                else:
                    st.caption(plain(t("source_record", ctx.lang, source=origin)))
            related = [tg for tg in ctx.targets if tg.measure == indicator]
            if related:
                st.markdown(f"**{t('targets', ctx.lang)}**")
                for target in related:
                    name = target.name_en if ctx.lang == "en" else target.name_zh
                    st.markdown(f"- {name}: {target_text(target, ctx.lang)} — {', '.join(target.clauses)}")
    st.subheader(t("statistics", ctx.lang))
    statistics = [tg for tg in ctx.targets if tg.measure == STATISTIC]
    st.dataframe(
        pd.DataFrame(
            {
                t("col_id", ctx.lang): [tg.id for tg in statistics],
                t("col_name", ctx.lang): [
                    tg.name_en if ctx.lang == "en" else tg.name_zh for tg in statistics
                ],
                t("col_target", ctx.lang): [target_text(tg, ctx.lang) for tg in statistics],
                t("col_clauses", ctx.lang): [", ".join(tg.clauses) for tg in statistics],
            }
        ),
        hide_index=True,
        width="stretch",
        key="methods_statistics",
    )
    st.subheader(t("provenance", ctx.lang))
    provenance = boundaries_path().parent / "PROVENANCE.md"
    if provenance.is_file():
        with st.expander(str(provenance.relative_to(provenance.parents[2])), expanded=False):
            st.markdown(provenance.read_text(encoding="utf-8"))
    manifest = demo_dir() / "MANIFEST.json"
    if manifest.is_file():
        with st.expander(str(manifest.name), expanded=False):
            st.json(json.loads(manifest.read_text(encoding="utf-8")), expanded=1)
    for kind, source in ctx.data.vectors.items():
        if source is not None:
            st.markdown(f"- `{kind}`: " + plain(f"{source.source} {source.vintage}".rstrip()))
    for year, raster in ctx.data.landcover.items():
        st.markdown(f"- `landcover {year}`: " + plain(f"{raster.source} ({raster.scheme})"))
