"""The nodes a rule fires on: its Schematron context, taken from the document's index when the
context is plain steps (optionally ending in the VAT tax-scheme predicate), else by XPath."""

from __future__ import annotations

import functools
import re

from lxml import etree

from facturo.reception.formats.ubl.rules.registry import UblContext
from facturo.reception.formats.ubl.rules.values import VAT, XNS, is_vat_scheme, select


def contexts(
    ctx: UblContext, context: str, excluding: str | None = None, key: tuple[str, str, str | None] | None = None
) -> list[etree._Element]:
    """The nodes a Schematron rule fires on. ``excluding`` names the nodes an earlier rule of the
    same pattern claims (a node fires only the first rule of a pattern that matches it). ``key``
    is ``("contexts", context, excluding)`` made once by a caller that asks for every document."""
    if key is None:
        key = ("contexts", context, excluding)
    found: list[etree._Element] | None = ctx.memo.get(key)
    if found is None:
        found = _from_root(ctx, context)
        if excluding and found:
            claimed = set(_from_root(ctx, excluding))
            found = [n for n in found if n not in claimed]
        ctx.memo[key] = found
    return found


def _from_root(ctx: UblContext, path: str) -> list[etree._Element]:
    """``path`` evaluated on the root: from the document's index when every branch of the union is
    plain steps (``//cac:TaxTotal/cac:TaxSubtotal``, ``/ubl:Invoice/cac:TaxTotal``), the last one
    maybe with the :data:`VAT` predicate; otherwise by XPath."""
    plan = _index_plan(path)
    if plan is None:
        return select(ctx, ctx.root, path)
    if len(plan) == 1:
        return _matching(ctx, *plan[0])
    branches = [found for branch in plan if (found := _matching(ctx, *branch))]
    if len(branches) <= 1:
        return branches[0] if branches else []
    return ctx.in_document_order(node for found in branches for node in found)


def _matching(ctx: UblContext, absolute: bool, steps: tuple[str, ...], vat: bool) -> list[etree._Element]:
    """The elements of the last step whose ancestors are the steps before it (the first one the
    root when ``absolute``), in document order (do not modify); with ``vat``, only those the
    :data:`VAT` predicate keeps."""
    index = ctx.index
    if absolute:
        found = ctx.child_path(ctx.root, steps[1:]) if ctx.root.tag == steps[0] and len(steps) > 1 else []
        if len(steps) == 1 and ctx.root.tag == steps[0]:
            found = [ctx.root]
    elif not ctx.tags.issuperset(steps):
        return []
    elif len(steps) == 1:
        found = index[steps[0]]
    elif len(starts := index[steps[0]]) == 1:
        # One element of the first step: its descendants along the steps, already in order.
        found = ctx.child_path(starts[0], steps[1:])
    else:
        *above, last = steps
        found = []
        for node in index[last]:
            at: etree._Element | None = node
            for tag in reversed(above):
                at = at.getparent() if at is not None else None
                if at is None or at.tag != tag:
                    break
            else:
                found.append(node)
    return [node for node in found if is_vat_scheme(ctx, node)] if vat else found


_BRANCH = re.compile(r"(/{1,2})([a-z]+:[A-Za-z][\w.-]*(?:/[a-z]+:[A-Za-z][\w.-]*)*)")


@functools.cache
def _index_plan(path: str) -> tuple[tuple[bool, tuple[str, ...], bool], ...] | None:
    """Each branch of ``path`` as (absolute, the tags of its child steps, whether the last step
    carries the :data:`VAT` predicate), or None when a branch is anything else (another predicate,
    an axis, a descendant step after the first)."""
    plan = []
    for branch in path.split(" | "):
        branch = branch.strip()
        vat = branch.endswith(VAT)
        found = _BRANCH.fullmatch(branch[: -len(VAT)] if vat else branch)
        if found is None:
            return None
        steps = []
        for step in found.group(2).split("/"):
            prefix, name = step.split(":", 1)
            if prefix not in XNS:
                return None
            steps.append(f"{{{XNS[prefix]}}}{name}")
        plan.append((found.group(1) == "/", tuple(steps), vat))
    return tuple(plan)
