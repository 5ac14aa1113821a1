"""Builders for small, readable product systems used across the tests."""

from __future__ import annotations

from tanji.core.model import (
    Allocation,
    DataKind,
    Emission,
    Factor,
    GasAmount,
    Input,
    Origin,
    Output,
    Pedigree,
    Process,
    ProductSystem,
    Stage,
    Uncertainty,
)


def factor(slug: str, unit: str, origin: Origin = Origin.FOSSIL, **gases: float) -> Factor:
    """A factor; gases as keyword arguments, ``CO2e=`` for a characterised value."""
    return Factor(
        id=slug,
        unit=unit,
        gases=tuple(GasAmount(gas, amount, origin) for gas, amount in gases.items()),
        name=slug,
        source="test",
    )


def buy(
    name: str,
    amount: float,
    unit: str,
    provider: Factor | str,
    *,
    data: DataKind = DataKind.PRIMARY,
    quality: Pedigree | None = None,
    uncertainty: Uncertainty | None = None,
    aircraft: bool = False,
) -> Input:
    return Input(
        id=name,
        amount=amount,
        unit=unit,
        provider=provider,
        name=name,
        data=data,
        quality=quality,
        uncertainty=uncertainty,
        aircraft=aircraft,
    )


def emit(gas: str, amount: float, origin: Origin = Origin.FOSSIL, **kwargs) -> Emission:
    return Emission(gas=gas, amount=amount, origin=origin, **kwargs)


def output(product: str, amount: float = 1.0, unit: str = "t", **kwargs) -> Output:
    """An output; ``mass=``, ``energy=`` and ``price=`` become allocation properties."""
    properties = {key: kwargs.pop(key) for key in ("mass", "energy", "price") if key in kwargs}
    return Output(
        id=product, amount=amount, unit=unit, name=product, properties=properties, **kwargs
    )


def process(
    pid: str,
    outputs: list[Output] | Output | None = None,
    inputs: list[Input] = (),
    emissions: list[Emission] = (),
    *,
    stage: Stage = Stage.PRODUCTION,
    allocation: Allocation | None = None,
) -> Process:
    if outputs is None:
        outputs = [output(pid)]
    if isinstance(outputs, Output):
        outputs = [outputs]
    return Process(
        id=pid,
        outputs=tuple(outputs),
        inputs=tuple(inputs),
        emissions=tuple(emissions),
        name=pid,
        stage=stage,
        allocation=allocation,
    )


def system(
    processes: list[Process],
    reference: str | None = None,
    amount: float = 1.0,
    unit: str | None = None,
    **kwargs,
) -> ProductSystem:
    ref = reference or processes[0].id
    if unit is None:
        unit = next(
            p for p in processes if p.id == ref or ref in {o.id for o in p.outputs}
        ).reference_output.unit
    return ProductSystem(
        processes=tuple(processes),
        reference_product=ref,
        amount=amount,
        unit=unit,
        **kwargs,
    )
