"""Link a package's processes into one product system and solve it with Tanji's engine.

Gives each selected process's cradle-to-gate inventory of greenhouse gases, kg per
declared unit (声明单位), as factor-template rows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import olca_schema as olca
import scipy.sparse as sp
from scipy.sparse import csgraph

from tanji.core.build import build
from tanji.core.errors import CalculationError, InvalidInput, Loc
from tanji.core.gwp import gwp_table
from tanji.core.i18n import _
from tanji.core.model import Allocation, Emission, Input, Output, Process, ProductSystem
from tanji.core.results import product_footprints
from tanji.core.solvers import factorize
from tanji.exchange.openlca.gases import (
    GWP_SET,
    greenhouse_gas,
    kg_per_reference_unit,
    known_unit,
    unit_label,
)
from tanji.exchange.openlca.reader import (
    Line,
    OlcaPackage,
    invalid,
    ref_id,
    reference_factor,
    reference_unit,
)
from tanji.exchange.openlca.rows import compose, template_row


@dataclass
class _Linked:
    """The processes drawn into the product system, with their links and ignored flows."""

    order: list[str]
    providers: dict[tuple[str, int], str]
    ignored: dict[str, str]  # flow id → name of every elementary flow left out
    left_out: dict[str, set[str]]  # process id → ids of the flows it left out


def aggregate(
    package: OlcaPackage, *, process_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One cradle-to-gate factor-template row per selected process (default: all of them).

    The selected processes and their supply chains become one product system, solved once
    by Tanji's engine: ``product_footprints`` gives each process's kg CO2e per unit, and
    one transposed solve Aᵀ Y = Bᵀ gives every process's per-gas inventory B·A⁻¹eⱼ.
    """
    selected = _select(package, process_ids)
    if not selected:
        return []
    linked = _link(package, selected)
    system, products, units = _system(package, linked, selected)
    gwp = gwp_table(GWP_SET)
    try:
        footprints = {item.product: item.per_unit for item in product_footprints(system)}
        built = build(system)
        factorization = factorize(built.matrices.technosphere, labels=built.labels)
    except InvalidInput as exc:
        exc.source = package.name
        raise
    intervention = built.matrices.intervention
    per_gas = np.zeros((built.matrices.size, intervention.shape[0]))
    if intervention.shape[0]:
        per_gas[:] = factorization.solve_transposed(intervention.T.toarray()).reshape(per_gas.shape)
    column = {activity.product: activity.index for activity in built.activities}
    chains = _chains(linked)
    rows = []
    for pid in sorted(selected, key=lambda p: ((package.processes[p].name or "").lower(), p)):
        product = products[pid]
        label, per_declared = units[pid]
        inventory = per_gas[column[product]] * per_declared
        total = footprints[product] * per_declared
        check = float(inventory @ built.matrices.characterization)
        if abs(check - total) > 1e-9 * max(1.0, abs(total)):
            raise CalculationError(
                _(
                    "The per-gas inventory of process '{process}' does not add up to its "
                    "footprint ({gases:.6g} vs {total:.6g} kg CO2e)."
                ).format(process=package.processes[pid].name, gases=check, total=total)
            )
        composition = compose(built.flows, inventory, gwp)
        allocation = _allocation(package, pid)
        rows.append(template_row(package, pid, label, total, composition, chains[pid], allocation))
    return rows


def _select(package: OlcaPackage, process_ids: Sequence[str] | None) -> list[str]:
    if process_ids is None:
        return sorted(package.processes)
    for index, pid in enumerate(process_ids):
        if pid not in package.processes:
            raise invalid(
                _("No process '{id}' in the package.").format(id=pid),
                package.name,
                loc=("process_ids", index),
            )
    return list(dict.fromkeys(process_ids))


def _producers(package: OlcaPackage) -> dict[str, list[str]]:
    """Which processes provide each product (or treat each waste) flow."""
    producers: dict[str, list[str]] = {}
    for pid in sorted(package.processes):
        for line in package.lines[pid]:
            if line.supply and pid not in producers.setdefault(line.flow.id, []):
                producers[line.flow.id].append(pid)
    return producers


def _link(package: OlcaPackage, selected: Sequence[str]) -> _Linked:
    """Follow provider links from the selected processes through their supply chains."""
    producers = _producers(package)
    linked = _Linked(order=[], providers={}, ignored={}, left_out={})
    seen: set[str] = set()
    queue = deque(selected)
    while queue:
        pid = queue.popleft()
        if pid in seen:
            continue
        seen.add(pid)
        linked.order.append(pid)
        for line in package.lines[pid]:
            if line.demand and line.amount:
                provider = _provider(package, pid, line, producers)
                linked.providers[(pid, line.position)] = provider
                if provider not in seen:
                    queue.append(provider)
    return linked


def _provider(package: OlcaPackage, pid: str, line: Line, producers: dict[str, list[str]]) -> str:
    """The default provider of an input, else the only process that makes its flow."""
    process = package.processes[pid].name or pid
    loc: Loc = ("processes", pid, "exchanges", line.position, "defaultProvider")
    values = {"flow": line.flow.name, "process": process}
    ref = line.exchange.default_provider
    if ref is not None and ref.id:
        provider = package.processes.get(ref.id)
        if provider is None:
            raise invalid(
                _(
                    "The default provider '{provider}' of '{flow}' in process '{process}' is "
                    "not in the package."
                ).format(provider=ref.name or ref.id, **values),
                package.name,
                loc=loc,
            )
        if ref.id not in producers.get(line.flow.id, []):
            raise invalid(
                _(
                    "The default provider '{provider}' of '{flow}' in process '{process}' does "
                    "not provide that flow."
                ).format(provider=provider.name or ref.id, **values),
                package.name,
                loc=loc,
            )
        return ref.id
    candidates = producers.get(line.flow.id, [])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise invalid(
            _(
                "No process in the package provides '{flow}', used by process '{process}': "
                "add its provider to the export or set a default provider in openLCA."
            ).format(**values),
            package.name,
            loc=loc,
        )
    names = ", ".join(package.processes[c].name or c for c in candidates)
    raise invalid(
        _(
            "Several processes provide '{flow}' ({names}), used by process '{process}': set a "
            "default provider in openLCA."
        ).format(names=names, **values),
        package.name,
        loc=loc,
    )


def _product_id(pid: str, flow_id: str) -> str:
    return f"{pid}/{flow_id}"


def _flow_unit(package: OlcaPackage, flow: olca.Flow) -> str:
    """The label of a flow's reference unit in the linked system.

    Amounts there are already in the flow's reference unit on both sides of every link,
    so the label only has to be a unit Tanji reads; "item" stands in for exotic units.
    """
    factor = reference_factor(flow)
    unit = reference_unit(package.group_of(factor)) if factor is not None else None
    label = unit_label(unit) if unit is not None else None
    return label or "item"


def _system(
    package: OlcaPackage, linked: _Linked, selected: Sequence[str]
) -> tuple[ProductSystem, dict[str, str], dict[str, tuple[str, float]]]:
    """The product system; each selected process's product id and declared unit."""
    processes = []
    products: dict[str, str] = {}
    units: dict[str, tuple[str, float]] = {}
    for pid in linked.order:
        reference = package.references[pid]
        products[pid] = _product_id(pid, reference.flow.id)
        processes.append(_process(package, pid, linked))
        if pid in selected:
            units[pid] = _declared_unit(package, pid, reference)
    first = selected[0]
    system = ProductSystem(
        processes=tuple(processes),
        reference_product=products[first],
        amount=1.0,
        unit=_flow_unit(package, package.references[first].flow),
        gwp_set=GWP_SET,
        meta={"source": "openLCA JSON-LD", "package": package.name},
    )
    return system, products, units


def _declared_unit(package: OlcaPackage, pid: str, reference: Line) -> tuple[str, float]:
    """The factor's unit (the reference exchange's, when Tanji knows it) and its size."""
    found = known_unit(package, reference)
    if found is None:
        raise invalid(
            _(
                "Tanji does not know the unit '{unit}' of the reference flow '{flow}' of process "
                "'{process}', nor any other unit of its group."
            ).format(
                unit=reference.unit.name, flow=reference.flow.name,
                process=package.processes[pid].name,
            ),
            package.name,
            loc=("processes", pid, "exchanges", reference.position, "unit"),
        )  # fmt: skip
    return found


def _process(package: OlcaPackage, pid: str, linked: _Linked) -> Process:
    """One openLCA process as a Tanji process, amounts per run in reference units."""
    process = package.processes[pid]
    reference = package.references[pid]
    base: Loc = ("processes", pid)
    supply = [line for line in package.lines[pid] if line.supply]
    seen_flows: set[str] = set()
    for line in supply:
        if line.flow.id in seen_flows:
            raise invalid(
                _(
                    "Process '{process}' provides '{flow}' twice; Tanji cannot tell them apart."
                ).format(process=process.name, flow=line.flow.name),
                package.name,
                loc=(*base, "exchanges", line.position),
            )
        seen_flows.add(line.flow.id)
    shares = _shares(package, pid, supply) if len(supply) > 1 else {}
    outputs = tuple(
        Output(
            id=_product_id(pid, line.flow.id),
            amount=line.amount,
            unit=_flow_unit(package, line.flow),
            name=line.flow.name or "",
            reference=line is reference,
            share=shares.get(line.flow.id),
            loc=(*base, "exchanges", line.position),
        )
        for line in supply
    )
    inputs = []
    emissions = []
    for line in package.lines[pid]:
        loc: Loc = (*base, "exchanges", line.position)
        if line.demand and line.amount:
            provider = linked.providers[(pid, line.position)]
            inputs.append(
                Input(
                    id=f"{line.position}:{line.flow.name or line.flow.id}",
                    amount=-line.amount if line.avoided else line.amount,
                    unit=_flow_unit(package, line.flow),
                    provider=_product_id(provider, line.flow.id),
                    name=line.flow.name or "",
                    loc=loc,
                )
            )
        elif line.elementary and line.amount:
            emission = _emission(package, pid, line, loc)
            if emission is None:
                linked.ignored.setdefault(line.flow.id, line.flow.name or line.flow.id)
                linked.left_out.setdefault(pid, set()).add(line.flow.id)
            else:
                emissions.append(emission)
    return Process(
        id=f"{process.name or pid} ({pid})",
        outputs=outputs,
        inputs=tuple(inputs),
        emissions=tuple(emissions),
        name=process.name or "",
        allocation=Allocation.SHARES if shares else None,
        loc=base,
    )


def _emission(package: OlcaPackage, pid: str, line: Line, loc: Loc) -> Emission | None:
    match = greenhouse_gas(line.flow, is_input=line.is_input)
    if match is None:
        return None
    kg = kg_per_reference_unit(package, line.flow)
    if kg is None:
        raise invalid(
            _(
                "The greenhouse gas '{flow}' in process '{process}' has no mass quantity, so "
                "it cannot be converted to kg."
            ).format(flow=line.flow.name, process=package.processes[pid].name),
            package.name,
            loc=(*loc, "unit"),
        )
    return Emission(
        gas=match.gas,
        amount=line.amount * kg,
        unit="kg",
        origin=match.origin,
        removal=match.removal,
        loc=loc,
    )


_METHODS = {
    olca.AllocationType.PHYSICAL_ALLOCATION: "physical",
    olca.AllocationType.ECONOMIC_ALLOCATION: "economic",
}


def _allocation(package: OlcaPackage, pid: str) -> str | None:
    """The method whose factors split a multi-output process; None for a single product."""
    if sum(1 for line in package.lines[pid] if line.supply) < 2:
        return None
    return _METHODS.get(package.processes[pid].default_allocation_method)


def _shares(package: OlcaPackage, pid: str, supply: Sequence[Line]) -> dict[str, float]:
    """Allocation shares of a multi-output process from its default method's factors.

    Only physical and economic factors are used as given; causal allocation (factors per
    exchange) and a missing method are refused rather than guessed.
    """
    process = package.processes[pid]
    method = process.default_allocation_method
    loc: Loc = ("processes", pid, "allocationFactors")
    if method not in _METHODS:
        raise invalid(
            _(
                "Process '{process}' has {count} products; Tanji uses its default allocation "
                "method only when that is physical or economic with factors (found: {method})."
            ).format(
                process=process.name,
                count=len(supply),
                method=method.value.lower() if method else "none",
            ),
            package.name,
            loc=(*loc[:-1], "defaultAllocationMethod"),
        )
    given = {
        ref_id(factor.product): float(factor.value)
        for factor in process.allocation_factors or []
        if factor.allocation_type is method and factor.value is not None and factor.exchange is None
    }
    shares = {}
    for line in supply:
        if line.flow.id not in given:
            raise invalid(
                _(
                    "Process '{process}' has no {method} allocation factor for its product "
                    "'{flow}'."
                ).format(process=process.name, method=_METHODS[method], flow=line.flow.name),
                package.name,
                loc=loc,
            )
        shares[line.flow.id] = given[line.flow.id]
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-3:
        raise invalid(
            _(
                "The {method} allocation factors of process '{process}' add up to {total:.6g}, "
                "not 1."
            ).format(method=_METHODS[method], process=process.name, total=total),
            package.name,
            loc=loc,
        )
    return {flow: share / total for flow, share in shares.items()}


_SHOWN = 8  # ignored flows named in a row's notes


def _chains(linked: _Linked) -> dict[str, tuple[int, int, list[str]]]:
    """Per process: the processes in its supply chain, and the flows left out there.

    Gives (process count, left-out flow count, the first few left-out names). Loops are
    condensed to single nodes first (strongly connected components), so each chain is the
    union of its providers' chains, kept as bit masks.
    """
    index = {pid: i for i, pid in enumerate(linked.order)}
    ordered = sorted(linked.ignored, key=lambda flow: (linked.ignored[flow], flow))
    bit = {flow: 1 << i for i, flow in enumerate(ordered)}
    count = len(index)
    edges = [(index[key[0]], index[provider]) for key, provider in linked.providers.items()]
    rows = [consumer for consumer, provider in edges]
    cols = [provider for consumer, provider in edges]
    graph = sp.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(count, count))
    components, label = csgraph.connected_components(graph, directed=True, connection="strong")
    members = [0] * components
    flows = [0] * components
    for pid, i in index.items():
        members[label[i]] |= 1 << i
        for flow in linked.left_out.get(pid, ()):
            flows[label[i]] |= bit[flow]
    children: list[set[int]] = [set() for _ in range(components)]
    for a, b in edges:
        if label[a] != label[b]:
            children[label[a]].add(label[b])
    done: list[tuple[int, int] | None] = [None] * components
    for root in range(components):
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if done[node] is not None:
                continue
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in children[node] if done[child] is None)
                continue
            chain, left_out = members[node], flows[node]
            for child in children[node]:
                child_chain, child_left_out = done[child]  # type: ignore[misc]
                chain |= child_chain
                left_out |= child_left_out
            done[node] = (chain, left_out)
    result = {}
    for pid, i in index.items():
        chain, left_out = done[label[i]]  # type: ignore[misc]
        names, rest = [], left_out
        while rest and len(names) < _SHOWN:
            lowest = rest & -rest
            names.append(linked.ignored[ordered[lowest.bit_length() - 1]])
            rest ^= lowest
        result[pid] = (chain.bit_count(), left_out.bit_count(), names)
    return result
