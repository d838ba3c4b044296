"""A PGx report as one self-contained HTML page a clinician can read and print.

`render_html` takes `report.report_document(...)`'s output (schema painpath.pgx.report/1) and
fills templates/report.html.j2: inline CSS with print styles, no scripts, nothing fetched, and
every value escaped (Jinja2 autoescape), so a hostile sample id or note cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from painpath.pgx.actions import ACTION_OF

DISCLAIMER = (
    "painpath supports clinicians and does not replace their judgement: read this report with"
    " the patient's history, other medicines, kidney and liver function and preferences."
)

#: Advice groups in the order a prescriber needs them, with the heading each gets.
ACTION_GROUPS: tuple[tuple[str, str], ...] = (
    ("avoid", "Change or avoid"),
    ("adjust_dose", "Adjust the dose"),
    ("monitor", "Usual dose — watch the response"),
    ("no_change", "No gene-based change"),
    ("no_result", "No result — gene not tested"),
)
_SOURCE_ORDER = {"CPIC": 0, "DPWG": 1}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("painpath.pgx", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _action(advice: Mapping[str, Any]) -> str:
    action = advice.get("action")
    if isinstance(action, str) and action in dict(ACTION_GROUPS):
        return action
    key = advice.get("recommendation_key")
    # A document without actions (or with a key this painpath does not know) is shown first,
    # among the advice to change, so nothing that may matter is buried under "no change".
    return ACTION_OF.get(key, "avoid") if isinstance(key, str) else "avoid"


def _basis(advice: Mapping[str, Any]) -> list[dict[str, Any]]:
    based_on = advice.get("based_on") or {}
    rows = []
    for gene in based_on.get("genes", []):
        rows.append(
            {
                "gene": gene,
                "diplotypes": based_on.get("diplotypes", {}).get(gene, []),
                "phenotype": based_on.get("phenotypes", {}).get(gene),
                "genotype_phenotype": based_on.get("genotype_phenotypes", {}).get(gene),
                "activity_score": based_on.get("activity_scores", {}).get(gene),
                "phenoconverted_by": based_on.get("phenoconverted_by", {}).get(gene, []),
            }
        )
    return rows


def _advice_groups(drugs: Mapping[str, Any]) -> list[dict[str, Any]]:
    grouped: dict[str, list[dict[str, Any]]] = {action: [] for action, _ in ACTION_GROUPS}
    for drug in sorted(drugs):
        for advice in sorted(drugs[drug], key=lambda a: _SOURCE_ORDER.get(a.get("source"), 2)):
            item = {**advice, "drug": drug, "basis": _basis(advice)}
            grouped[_action(advice)].append(item)
    return [
        {"action": action, "title": title, "items": grouped[action]}
        for action, title in ACTION_GROUPS
        if grouped[action]
    ]


def _glance(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each drug once, under its most urgent action (codeine to avoid for CYP2D6 is not also
    listed as "no change" for its OPRM1 statement)."""
    seen: set[str] = set()
    glance = []
    for group in groups:
        drugs = [d for d in dict.fromkeys(i["drug"] for i in group["items"]) if d not in seen]
        seen.update(drugs)
        if drugs:
            glance.append({"action": group["action"], "title": group["title"], "drugs": drugs})
    return glance


def _sample_view(sample: Mapping[str, Any]) -> dict[str, Any]:
    genes = []
    for name, gene in sample.get("genes", {}).items():
        diplotypes = [d.get("diplotype", "") for d in gene.get("diplotypes", [])]
        genes.append({**gene, "name": name, "diplotype_list": diplotypes})
    medications = sample.get("medications") or {}
    groups = _advice_groups(sample.get("drugs", {}))
    return {
        "id": sample.get("id", ""),
        "build": sample.get("build"),
        "genes": genes,
        "groups": groups,
        "glance": _glance(groups),
        "inhibitors": medications.get("inhibitors", []),
        "weak_inhibitors": medications.get("weak_inhibitors", []),
        "possible_interactions": medications.get("possible_interactions", []),
        "not_recognised": medications.get("not_recognised", []),
        "notes": sample.get("notes", []),
    }


@cache
def report_stylesheet() -> str:
    """The report's inline CSS, exactly as the page carries it.

    A web server that forbids inline styles (Content-Security-Policy) allows this one by its
    hash: `'sha256-' + base64(sha256(report_stylesheet()))`.
    """
    return (files("painpath.pgx") / "templates" / "report.css").read_text(encoding="utf-8")


def render_html(document: dict[str, Any]) -> str:
    """The report document as a printable, script-free HTML page (one section per sample)."""
    samples = [_sample_view(sample) for sample in document.get("samples", [])]
    template = _environment().get_template("report.html.j2")
    return template.render(
        schema=document.get("schema", ""),
        painpath_version=document.get("painpath_version", ""),
        knowledge=document.get("knowledge") or {},
        samples=samples,
        disclaimer=DISCLAIMER,
        stylesheet=Markup(report_stylesheet()),
    )
