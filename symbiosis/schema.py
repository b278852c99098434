"""Schemas of the YAML files: `model.yaml` and scenario files (docs/format.md).

Every model forbids unknown keys, so that a misspelt key is an error rather than silence.
`docs/format.md` lists these keys; `tests/test_docs.py` keeps the two in step.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


# Largest money or CO2 factor the solver represents exactly (docs/format.md, "Magnitudes and
# verification"); the tables' factors are checked against it in symbiosis.magnitudes.
LARGEST_MONEY = 1e12


class Strict(BaseModel):
    # strict: `true` is not a number and "5" is not 5 (YAML already types its values);
    # no `.inf` or `.nan`: every number of a model, scenario or sweep is finite
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


# --- model.yaml -----------------------------------------------------------------------------


class Economics(Strict):
    discount_rate: float = Field(0.08, ge=0, le=1, description="for annualising capital cost")
    lifetime_years: float = Field(15, ge=1, description="economic life of a link, years "
                                                         "(at least 1)")
    carbon_price: float = Field(0, ge=0, le=LARGEST_MONEY, description="currency per t CO2e, added to the objective")


class LinkMode(Strict):
    fixed_cost: float = Field(0, ge=0, le=LARGEST_MONEY, description="per year, for each built link")
    capex_per_km: float = Field(0, ge=0, le=LARGEST_MONEY, description="one-off, per km of link")
    circuity: float | None = Field(None, ge=1, le=10, description="overrides links.circuity "
                                   "for links of this mode")


class ExistingLink(Strict):
    """A link already built (brownfield): no capital cost, maybe a smaller capacity."""

    link: str = Field(description="link id SUPPLY_STREAM->DEMAND_STREAM, as in why_not.csv")
    capacity: float | None = Field(None, ge=0, le=LARGEST_MONEY,
                                   description="most it carries a year, in supply units "
                                               "(default: what the streams allow)")
    fixed_cost: float | None = Field(None, ge=0, le=LARGEST_MONEY,
                                     description="per year while it is used (default: the "
                                                 "mode's fixed_cost)")


class Links(Strict):
    max_distance_km: float = Field(30, ge=0, description="no candidate link longer than this")
    max_candidates_per_demand: int | None = Field(
        None, ge=1, description="keep only each demand's most valuable candidates (what a "
        "link alone earns at capacity); the gap is still measured against the uncapped problem")
    truck: LinkMode = LinkMode()
    pipe: LinkMode = LinkMode()
    routes: Literal["per_pair", "shared"] = Field(
        "per_pair", description="per_pair: each built link pays its own fixed cost and capex; "
        "shared: one per built route between two sites (trucks: any resources, both ways; "
        "pipes: one resource family one way, heat at one temperature level)")
    existing: list[ExistingLink] = Field(default_factory=list,
                                         description="links already built: no capex")
    force: list[str] = Field(default_factory=list,
                             description="link ids that must be built (a negotiated deal)")
    forbid: list[str] = Field(default_factory=list,
                              description="link ids that may not be built")
    circuity: float = Field(1, ge=1, le=10, description="multiplies computed straight-line "
                            "and great-circle distances (road over crow-fly); distances.csv "
                            "pairs are taken as given")
    distance: Literal["straight_line", "manhattan"] = Field(
        "straight_line", description="straight_line: the plane's straight line or the great "
        "circle; manhattan: |dx| + |dy| (north-south plus east-west km with lat, lon), a "
        "planned park's street grid")


class Heat(Strict):
    min_approach_c: float = Field(10, ge=0, description="ΔTmin between a hot and a cold stream")
    inter_firm_approach_c: float = Field(
        0, ge=0, description="extra ΔT for heat carried between firms by a hot-water loop")
    loss_per_km: float = Field(0, ge=0, lt=1, description="fraction of heat lost per km of pipe")


class HeatPumps(Strict):
    """Heat pumps a model offers: each lifts a firm's waste heat to one of its own demands."""

    carnot_efficiency: float = Field(0.5, gt=0, le=1, description="η in COP = η·T_sink/(T_sink − T_source)")
    max_cop: float = Field(8.0, gt=1, description="COP cap for small lifts")
    capex_per_kw: float = Field(0, ge=0, le=LARGEST_MONEY, description="one-off, per kW of heat delivered")
    fixed_cost: float = Field(0, ge=0, le=LARGEST_MONEY, description="per year, for each heat pump built")
    operating_hours: float = Field(8000, gt=0, le=8760, description="hours a year at full load")
    electricity_price: float = Field(ge=0, le=LARGEST_MONEY, description="currency per unit of electricity "
                                                       "(the heat resources' unit, e.g. MWh)")
    electricity_co2: float = Field(0, ge=0, le=LARGEST_MONEY, description="t CO2e per unit of electricity")


class Facilities(Strict):
    """How the candidate facilities of facilities.csv enter the model (docs/model.md,
    "Facilities")."""

    enabled: bool = Field(True, description="false: facilities.csv is read and checked, but no "
                                            "facility is a candidate")
    capex_segments: int = Field(6, ge=1, le=64, description="segments of the piecewise-linear "
                                "capex of a facility with capex_exponent < 1")


class Dependence(Strict):
    """Robust design (docs/model.md, "Maximum dependence"): no firm takes more than this
    share of a demand from any one partner firm."""

    max_dependence: float | None = Field(
        None, gt=0, le=1, description="largest share of a demand stream one other firm may "
                                      "serve (1: no cap)")


class CsvDialect(Strict):
    """How the CSV tables of this model are written: spreadsheets in a Vietnamese (or French,
    German ...) locale export `;` between fields and `,` before decimals."""

    separator: Literal[",", ";", "\t", "|"] = Field(",", description="between fields")
    decimal: Literal[".", ","] = Field(".", description="before the decimals of a number")

    @model_validator(mode="after")
    def _distinct(self) -> "CsvDialect":
        if self.separator == self.decimal:
            raise ValueError("separator and decimal must differ (a decimal comma needs "
                             "separator \";\")")
        return self


class Regulation(Strict):
    """Optional hazardous-waste rules (docs/regulation.md); the licence gate itself needs no
    key: it holds wherever resources.csv gives a hazard_code."""

    no_mixing: list[list[str]] = Field(
        default_factory=list, description="groups of hazard codes (resources.csv hazard_code): "
        "no receiver may take more than one code of a group over built links")
    carrier_surcharge: float = Field(
        0, ge=0, le=LARGEST_MONEY, description="licensed hazardous-waste carrier surcharge, "
        "currency per unit (t) per km carried over a link of a hazardous resource")


class Subsidy(Strict):
    """A capital subsidy: capex becomes max(capex x (1 - share) - amount, 0)."""

    share: float = Field(0, ge=0, le=1, description="fraction of the capex paid by the state")
    amount: float = Field(0, ge=0, le=LARGEST_MONEY,
                          description="one-off grant: per km of link (truck, pipe), per "
                                      "facility at capacity (facilities)")


class CapexSubsidies(Strict):
    truck: Subsidy = Subsidy()
    pipe: Subsidy = Subsidy()
    facilities: Subsidy = Subsidy()


class GreenChannel(Strict):
    """A permitting fast track (docs/format.md, "Time"): in a phased build-out, links of these
    modes (and shared facilities, `facility`) wait `permit_years` instead of the horizon's."""

    modes: list[Literal["truck", "pipe", "facility"]] = Field(
        default_factory=list, description="link modes on the fast track, and `facility` for "
                                          "shared facilities")
    permit_years: int = Field(0, ge=0, le=50, description="their permitting lead time")


class Policy(Strict):
    """Policy levers (docs/regulation.md, "Policy levers"): applied to the park's prices and
    options before the network and the model are built; sweepable as `set` keys."""

    capex_subsidy: CapexSubsidies = Field(CapexSubsidies(),
                                          description="capital subsidies by link mode and "
                                                      "for facilities")
    disposal_fee: dict[str, float] = Field(
        default_factory=dict, description="resource -> fee per unit disposed of, added to its "
        "disposal cost (and to supply streams' own price)")
    landfill_ban: list[str] = Field(default_factory=list,
                                    description="resources no supply may dispose of")
    green_channel: GreenChannel = Field(GreenChannel(), description="a permitting fast track "
                                        "in a phased build-out (horizon): link modes (and "
                                        "shared facilities) permitted sooner")


class Horizon(Strict):
    """The planning years of a phased build-out (docs/format.md, "Time")."""

    start: int = Field(..., ge=1900, le=2200, description="first year planned")
    end: int = Field(..., ge=1900, le=2200, description="last year planned (inclusive)")
    permit_years: int = Field(0, ge=0, le=50, description="years from the horizon's start "
                              "before a new link or shared facility may be built (permitting "
                              "lead time)")


class TimeSwitch(Strict):
    enabled: bool = Field(True, description="read periods.csv, stream_periods.csv, "
                          "volume_scenarios.csv and the horizon (false: the one-year model)")
    volume_scenarios: bool = Field(True, description="read volume_scenarios.csv (false: "
                                   "streams at their own quantities)")


class ModelConfig(Strict):
    """model.yaml: metadata, economics, link costs and heat settings of a park."""

    name: str
    description: str = ""
    currency: str = "USD"
    workbook: str | None = Field(None, description="an .xlsx beside model.yaml holding the tables")
    csv: CsvDialect = CsvDialect()
    economics: Economics = Economics()
    links: Links = Links()
    heat: Heat = Heat()
    heat_pumps: HeatPumps | None = None
    facilities: Facilities = Facilities()
    resilience: Dependence | None = None
    regulation: Regulation = Regulation()
    policy: Policy = Policy()
    horizon: Horizon | None = None
    time: TimeSwitch = TimeSwitch()


def annuity_factor(discount_rate: float, lifetime_years: float) -> float:
    """Capital recovery factor r / (1 - (1 + r)^-n); 1/n when r = 0."""
    r, n = discount_rate, lifetime_years
    return 1.0 / n if r == 0 else r / (1.0 - (1.0 + r) ** -n)


# --- scenario files ---------------------------------------------------------------------------

Objective = Literal["cost", "co2"]
# What baseline_cost and savings are measured from (docs/format.md, "Savings within and
# between firms"): no links at all (docs/model.md), or each firm integrated on its own.
Baseline = Literal["no_links", "firms_integrated"]


class SolverSettings(Strict):
    name: str = "auto"  # HiGHS on the array path; `highs` is HiGHS through Pyomo
    time_limit: float | None = Field(None, gt=0, description="seconds")
    mip_gap: float | None = Field(None, ge=0, description="relative gap at which to stop")
    threads: int | None = Field(None, ge=1)


class Selector(Strict):
    """Which streams a rule applies to; every given field must match (none given = all)."""

    resource: str | None = None
    category: Literal["material", "water", "heat"] | None = None
    firm: str | None = None
    stream: str | None = None
    direction: Literal["supply", "demand"] | None = None


class ScaleRule(Selector):
    factor: float = Field(ge=0, description="multiplies the quantity of matching streams")


PRICE_COLUMNS = ("purchase_price", "purchase_co2", "disposal_cost", "disposal_co2",
                 "transport_cost", "transport_co2")


class AdjustRule(Strict):
    """Change a price or emission factor of resources.csv (and matching stream overrides)."""

    column: Literal["purchase_price", "purchase_co2", "disposal_cost", "disposal_co2",
                    "transport_cost", "transport_co2"]
    factor: float | None = None
    value: float | None = None
    resource: str | None = None
    category: Literal["material", "water", "heat"] | None = None
    sign: Literal["positive", "negative"] | None = Field(
        None, description="only values of this sign: disposal fees (positive), not revenues")

    @model_validator(mode="after")
    def _one_of_factor_value(self) -> "AdjustRule":
        if (self.factor is None) == (self.value is None):
            raise ValueError("give exactly one of `factor` or `value`")
        return self


ShareRule = Literal["individually_rational", "equal_surplus", "proportional", "core"]


class SharingSettings(Strict):
    """How `symbiosis share` shares an optimum's savings (docs/format.md, "symbiosis share");
    its command-line options take priority."""

    rule: ShareRule = Field("individually_rational",
                            description="payments over built links that leave no firm worse "
                                        "off (default); or equal_surplus, proportional, core")
    samples: int = Field(50, ge=4, description="orders of the sampled Shapley value of groups "
                                               "above 12 firms (antithetic pairs: at least "
                                               "two)")
    seed: int = Field(0, description="random seed of the sampled Shapley value")
    gate_fees: bool = Field(True, description="false: with individually_rational, prices at "
                                              "least 0 (a supplier never pays a receiver to "
                                              "take a by-product)")


class LinkDecisions(Strict):
    """Links a planner decides (a scenario's `links`): added to model.yaml's links.force and
    links.forbid."""

    force: list[str] = Field(default_factory=list,
                             description="link ids SUPPLY_STREAM->DEMAND_STREAM to build")
    forbid: list[str] = Field(default_factory=list, description="link ids not to build")


class ResilienceSettings(Strict):
    """What `symbiosis resilience` tries (docs/format.md, "symbiosis resilience"); its
    command-line options take priority. `resilience: n_minus_1` is short for
    `resilience: {design: n_minus_1}`."""

    design: Literal["cost", "n_minus_1"] = Field(
        "cost", description="the design whose exits are tried: the cost optimum, or the one "
                            "whose worst single exit keeps the most savings")
    k: int = Field(1, ge=1, description="firms that leave together")
    sample: Literal["all", "central", "random"] = Field(
        "all", description="which exits: every firm with a built link (k = 1), the `firms` "
                           "most central, or `count` random k-sets")
    firms: int | None = Field(None, ge=1, description="try only the most central firms "
                                                      "(betweenness, then partners)")
    count: int = Field(20, ge=1, description="random k-sets tried (sample: random)")
    seed: int = Field(0, description="random seed of sample: random")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        return {"design": data} if isinstance(data, str) else data


class Scenario(Strict):
    """A scenario: a park model plus overrides, applied in the order of the keys below."""

    name: str
    description: str = ""
    model: str = Field(description="path to the park model folder, relative to this file")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted keys into model.yaml")
    scale: list[ScaleRule] = Field(default_factory=list)
    adjust: list[AdjustRule] = Field(default_factory=list)
    exclude_firms: list[str] = Field(default_factory=list)
    objective: Objective = "cost"
    baseline: Baseline = Field(
        "no_links", description="savings from no links (default) or from firms_integrated: "
                                "each firm's own optimum alone")
    solver: SolverSettings = SolverSettings()
    sharing: SharingSettings = SharingSettings()
    links: LinkDecisions = Field(LinkDecisions(), description="links forced or forbidden")
    resilience: ResilienceSettings = ResilienceSettings()


# --- sweep files ------------------------------------------------------------------------------


class SweepVariant(Strict):
    """An explicit variant of a sweep: the base scenario plus these changes (any scenario keys
    but `model`)."""

    name: str = Field(description="folder name of its results: letters, digits, . _ = + -")
    description: str = ""
    set: dict[str, Any] = Field(default_factory=dict, description="dotted keys into model.yaml")
    scale: list[ScaleRule] = Field(default_factory=list, description="after the base's rules")
    adjust: list[AdjustRule] = Field(default_factory=list, description="after the base's rules")
    exclude_firms: list[str] = Field(default_factory=list, description="added to the base's")
    objective: Objective | None = Field(None, description="default: the base's")
    baseline: Baseline | None = Field(None, description="default: the base's")
    solver: SolverSettings | None = Field(None, description="keys given replace the base's")
    sharing: SharingSettings | None = Field(None, description="keys given replace the base's")
    links: LinkDecisions | None = Field(None, description="forced and forbidden links, added "
                                                          "to the base's")
    resilience: ResilienceSettings | None = Field(None,
                                                  description="keys given replace the base's")


class AdjustAxis(Strict):
    """An `adjust` rule without its number: a grid axis supplies it."""

    column: Literal["purchase_price", "purchase_co2", "disposal_cost", "disposal_co2",
                    "transport_cost", "transport_co2"]
    resource: str | None = None
    category: Literal["material", "water", "heat"] | None = None
    sign: Literal["positive", "negative"] | None = None
    use_as: Literal["factor", "value"] = Field(
        "factor", description="each axis value is the rule's factor (default) or its value")


class GridChange(Strict):
    """A named grid axis over a `scale` or an `adjust` rule: each value becomes its number."""

    values: list[Any] = Field(min_length=1, description="one variant per value")
    scale: Selector | None = Field(None, description="streams to scale by each value")
    adjust: AdjustAxis | None = Field(None, description="prices to change by each value")

    @model_validator(mode="after")
    def _one_change(self) -> "GridChange":
        if (self.scale is None) == (self.adjust is None):
            raise ValueError("give exactly one of `scale` or `adjust`")
        return self


class Sweep(Strict):
    """A sweep file (docs/format.md): a base scenario and the variants to run from it."""

    name: str
    description: str = ""
    base: str = Field(description="scenario file, relative to this file")
    include_base: bool = Field(True, description="run the base itself as variant `base` "
                                                 "(unless a variant is named `base`)")
    grid: dict[str, Any] | None = Field(
        None, description="axis → list of values (a dotted model.yaml key, or exclude_firms) "
                          "or a GridChange mapping; the variants are the cartesian product")
    variants: list[SweepVariant] = Field(default_factory=list)
