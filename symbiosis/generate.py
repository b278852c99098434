"""Synthetic provinces of industrial parks, for scaling tests and benchmarks.

    from symbiosis.generate import generate_park
    generate_park(3000, seed=1, out_dir="build/synthetic-3000")

writes a park model folder in the v1 format (model.yaml, firms.csv, resources.csv,
streams.csv, exchanges.csv, qualities.csv) describing a fictitious Bac Ninh-sized province
(about 40 x 40 km, plane coordinates x_km, y_km) with one industrial park per 60-150 firms.
Each park is an electronics, precision-mechanics or high-tech park; its firms lie within
1.5 km of its centre and are drawn from sector archetypes (PCB fab, SMT assembly, plating,
CNC machining, die casting, injection moulding, heat treatment, compressed-air station, ...)
plus a minority (about 14 %) of recyclers and users (copper recovery, aluminium remelter,
plastic regrind, solvent distiller, paper mill, steel re-roller, ...), so that by-products
compete for them. Every park also has a central wastewater plant, a facilities operator
(landscape water), a compressed-air station and a water-treatment plant.

Traceability: every figure here is taken from the two example parks,
models/bac-ninh-electronics and models/bac-ninh-precision, whose README.md files cite the
sources. The resources table (units, prices, CO2 factors, transport costs), the exchanges
(yields, processing costs and CO2), the quality levels and limits (cod_mg_l, tds_mg_l,
recycled_pct, dross_pct), the heat temperatures and the per-stream price overrides (flue gas
vented at no cost, diesel, fuel oil, electric reheat) are copied unchanged; a stream's
`source` column names the example stream its archetype copies. Quantities are drawn
lognormally (sigma 0.5) around the example streams' typical quantities, and water-supply
quality levels lognormally (sigma 0.15) around the example levels. Nothing here is data
about a real firm.

Deterministic: the same (n_firms, seed) gives byte-identical files (numpy default_rng,
fixed float format, "\\n" line ends).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["generate_park", "ARCHETYPES", "RECYCLERS", "INFRASTRUCTURE"]

AREA_KM = 40.0
PARK_RADIUS_KM = 1.5
RECYCLER_SHARE = 0.14
QUANTITY_SIGMA = 0.5
QUALITY_SIGMA = 0.15
FLOAT_FORMAT = "%.6g"

E, P = "bac-ninh-electronics", "bac-ninh-precision"

# resource, category, unit, mode, transport_cost, transport_co2, purchase_price, purchase_co2,
# disposal_cost, disposal_co2, source (the example park's resources.csv it is copied from)
RESOURCES = [
    ("cu_etchant", "material", "t", "truck", 0.3, 0.00034, 0, 0, 100, 0.05, E),
    ("plating_sludge", "material", "t", "truck", 0.3, 0.00034, 0, 0, 240, 0.15, E),
    ("cu_chem", "material", "t", "truck", 0.15, 0.00034, 8250, 0.02, 0, 0, E),
    ("cu_scrap", "material", "t", "truck", 0.15, 0.00034, 8250, 0.02, -7800, 0.01, E),
    ("steel_scrap", "material", "t", "truck", 0.15, 0.00034, 340, 0.03, -300, 0.01, E),
    ("steel_swarf", "material", "t", "truck", 0.2, 0.00034, 0, 0, -210, 0.01, P),
    ("al_scrap", "material", "t", "truck", 0.2, 0.00034, 1750, 0.03, -1600, 0.01, E),
    ("al_swarf", "material", "t", "truck", 0.2, 0.00034, 0, 0, -1280, 0.01, P),
    ("al_dross", "material", "t", "truck", 0.3, 0.00034, 0, 0, -150, 0.01, P),
    ("brass_swarf", "material", "t", "truck", 0.2, 0.00034, 5500, 0.02, -5100, 0.01, P),
    ("solder_dross", "material", "t", "truck", 0.15, 0.00034, 15000, 0.02, -12500, 0.01, E),
    ("spent_solvent", "material", "t", "truck", 0.3, 0.00034, 250, 0.02, 320, 2.0, E),
    ("ipa", "material", "t", "truck", 0.2, 0.00034, 1200, 1.9, 0, 0, E),
    ("spent_cutting_fluid", "material", "t", "truck", 0.3, 0.00034, 0, 0, 200, 0.05, P),
    ("cutting_fluid", "material", "t", "truck", 0.2, 0.00034, 200, 0.06, 0, 0, P),
    ("used_oil", "material", "t", "truck", 0.3, 0.00034, 160, 0.02, -100, 0.01, P),
    ("plastic_scrap", "material", "t", "truck", 0.25, 0.00034, 550, 0.02, -400, 0.01, E),
    ("resin", "material", "t", "truck", 0.15, 0.00034, 1650, 3.28, 0, 0, E),
    ("cardboard", "material", "t", "truck", 0.25, 0.00034, 180, 0.1, -100, 0.01, E),
    ("used_pallet", "material", "pallet", "truck", 0.005, 1.7e-05, 2.0, 0.0002, -1.0, 0.0, E),
    ("pallet", "material", "pallet", "truck", 0.005, 1.7e-05, 10.0, 0.005, 0, 0, E),
    ("wtp_sludge", "material", "t", "truck", 0.15, 0.00034, 0, 0, 25, 0.02, E),
    ("clay_sand", "material", "t", "truck", 0.15, 0.00034, 8, 0.005, 0, 0, E),
    ("process_water", "water", "m3", "pipe", 0.004, 3.3e-05, 0.64, 0.000244, 0, 0, E),
    ("treated_effluent", "water", "m3", "pipe", 0.004, 3.3e-05, 0, 0, 0.4, 0.00046, E),
    ("ip_effluent", "water", "m3", "pipe", 0.004, 3.3e-05, 0, 0, 0.0055, 0, E),
    ("heat", "heat", "MWh", "pipe", 3.0, 0.0083, 107.4, 0.267, 3.5, 0.019, P),
]
RESOURCE_COLUMNS = ["resource", "category", "unit", "mode", "transport_cost", "transport_co2",
                    "purchase_price", "purchase_co2", "disposal_cost", "disposal_co2", "source"]

# from_resource, to_resource, yield, processing_cost, processing_co2, source
EXCHANGES = [
    ("cu_etchant", "cu_chem", 0.11, 180, 0.15, E),
    ("plating_sludge", "cu_chem", 0.02, 250, 0.2, E),
    ("cu_scrap", "cu_chem", 0.97, 150, 0.1, E),
    ("spent_solvent", "ipa", 0.85, 200, 0.35, E),
    ("plastic_scrap", "resin", 0.95, 60, 0.15, E),
    ("used_pallet", "pallet", 0.7, 2.5, 0.001, E),
    ("wtp_sludge", "clay_sand", 0.3, 5, 0.01, E),
    ("steel_swarf", "steel_scrap", 0.93, 20, 0.01, P),
    ("al_swarf", "al_scrap", 0.9, 40, 0.02, P),
    ("al_dross", "al_scrap", 0.3, 150, 0.1, P),
    ("spent_cutting_fluid", "cutting_fluid", 0.8, 60, 0.02, P),
    ("spent_cutting_fluid", "spent_cutting_fluid", 1, 90, 0.02, P),
    ("treated_effluent", "process_water", 0.92, 0.23, 0.0004, E),
    ("ip_effluent", "process_water", 0.95, 0.18, 0.0003, E),
]

# Water demand limits (cod_mg_l, tds_mg_l), as in the example parks.
COOLING, UPW, SCRUBBER, TOILET, LANDSCAPE = (60, 800), (1, 5), (100, 1300), (80, 1300), (80, 800)


def S(tag, direction, resource, qty, source, p=1.0, t=None, price=None, co2=None, cod_tds=None,
      rp=None, dross=None):
    """A stream template: present with probability p, quantity lognormal around qty.

    cod_tds: (cod, tds), a supply's typical level or a demand's limit; rp: recycled_pct (a
    number, or a tuple to draw from); dross: dross_pct; t: (t_in, t_out) for heat.
    """
    return dict(tag=tag, direction=direction, resource=resource, qty=float(qty), p=p, t=t,
                price=price, co2=co2, cod_tds=cod_tds, rp=rp, dross=dross, source=source)


def _s(tag, resource, qty, source, **kw):
    return S(tag, "supply", resource, qty, source, **kw)


def _d(tag, resource, qty, source, **kw):
    return S(tag, "demand", resource, qty, source, **kw)


FLUE = dict(price=0.0, co2=0.0)  # flue gas / vapour: vented at no cost in the examples

# key: (sector, name, {park kind: weight}, templates). Weights are relative within a kind.
ARCHETYPES = {
    "pcb_fab": ("PCB fabrication", "PCB fab", {"electronics": 12, "high-tech": 8}, [
        _s("etchant", "cu_etchant", 500, "E:F01/F02/F27_s_etchant"),
        _s("sludge", "plating_sludge", 90, "E:F01/F02/F27_s_sludge"),
        _s("effluent", "treated_effluent", 70000, "E:F01/F02/F27_s_effluent", cod_tds=(70, 1800)),
        _s("occ", "cardboard", 60, "E:F01_s_occ", p=0.7),
        _d("cooling", "process_water", 40000, "E:F01_d_cooling", p=0.7, cod_tds=COOLING),
        _d("upw_feed", "process_water", 60000, "E:F01_d_upw_feed", p=0.6, cod_tds=UPW),
        _d("scrubber", "process_water", 12000, "E:F02/F27_d_scrubber", cod_tds=SCRUBBER),
        _d("pallets", "pallet", 3000, "E:F01_d_pallets", p=0.5, rp=30)]),
    "smt": ("SMT assembly", "SMT assembly", {"electronics": 16, "high-tech": 12}, [
        _s("dross", "solder_dross", 5, "E:F03/F04/F28_s_dross"),
        _s("solvent", "spent_solvent", 25, "E:F03/F04/F28_s_solvent", rp=100),
        _s("occ", "cardboard", 300, "E:F03/F04/F28_s_occ"),
        _s("used_pallets", "used_pallet", 6000, "E:F03/F28_s_used_pallets", rp=100),
        _s("effluent", "treated_effluent", 25000, "E:F03/F28_s_effluent", p=0.6,
           cod_tds=(45, 450)),
        _d("ipa", "ipa", 30, "E:F03/F04/F28_d_ipa", rp=50),
        _d("cooling", "process_water", 25000, "E:F03/F28_d_cooling", p=0.8, cod_tds=COOLING),
        _d("pallets", "pallet", 3500, "E:F03/F28_d_pallets", rp=50)]),
    "display": ("display and camera modules", "Display/camera module assembler",
                {"electronics": 10, "high-tech": 10}, [
        _s("solvent", "spent_solvent", 35, "E:F05/F17/F40_s_solvent", rp=100),
        _s("occ", "cardboard", 300, "E:F05/F17_s_occ"),
        _s("used_pallets", "used_pallet", 6000, "E:F05/F17_s_used_pallets", rp=100),
        _s("effluent", "treated_effluent", 40000, "E:F05/F17/F40_s_effluent", cod_tds=(50, 600)),
        _d("ipa", "ipa", 28, "E:F05/F17_d_ipa", rp=30),
        _d("cooling", "process_water", 40000, "E:F05/F17/F40_d_cooling", cod_tds=COOLING),
        _d("toilet", "process_water", 13000, "E:F05/F40_d_toilet", p=0.6, cod_tds=TOILET),
        _d("pallets", "pallet", 3000, "E:F17_d_pallets", p=0.6, rp=30)]),
    "semicon": ("semiconductor packaging and test", "Semiconductor packaging and test",
                {"electronics": 6, "high-tech": 12}, [
        _s("solvent", "spent_solvent", 30, "E:F16/F36_s_solvent", rp=100),
        _s("occ", "cardboard", 100, "E:F16/F36_s_occ"),
        _s("effluent", "treated_effluent", 55000, "E:F16/F36/F46_s_effluent", cod_tds=(42, 850)),
        _d("upw_feed", "process_water", 90000, "E:F16/F36/F46_d_upw_feed", cod_tds=UPW),
        _d("cooling", "process_water", 55000, "E:F16/F36/F46_d_cooling", cod_tds=COOLING)]),
    "moulding": ("plastic injection moulding", "Injection moulder",
                 {"electronics": 14, "precision mechanics": 8, "high-tech": 8}, [
        _s("sprues", "plastic_scrap", 180, "E:F06/F29/F41_s_sprues, P:P08/P24_s_sprues", rp=100),
        _d("resin", "resin", 1300, "E:F29/F41_d_resin, P:P08/P24/P40_d_resin",
           rp=(10, 20, 25, 30)),
        _d("cooling", "process_water", 20000, "E:F06_d_cooling", p=0.5, cod_tds=COOLING),
        _d("pallets", "pallet", 2500, "E:F29_d_pallets", p=0.4, rp=50),
        _s("heat_chillers", "heat", 800, "P:P08_s_heat_chillers", p=0.6, t=(40, 30))]),
    "stamping": ("metal stamping", "Metal stamping",
                 {"electronics": 10, "precision mechanics": 12, "high-tech": 4}, [
        _s("steel", "steel_scrap", 600, "E:F31/F42_s_steel, P:P06/P17/P22_s_steel"),
        _s("copper", "cu_scrap", 60, "E:F42_s_copper, P:P23_s_copper", p=0.4),
        _s("al", "al_scrap", 70, "E:F31/F42_s_al", p=0.4, dross=0),
        _s("oil", "used_oil", 12, "P:P06/P17/P22_s_oil", p=0.6),
        _s("occ", "cardboard", 40, "P:P06_s_occ", p=0.6),
        _d("pallets", "pallet", 1500, "E:F31_d_pallets", p=0.3, rp=50),
        _s("heat_compressors", "heat", 500, "P:P22_s_heat_compressors", p=0.2, t=(85, 40))]),
    "plating": ("plating and surface finishing", "Plating shop",
                {"electronics": 7, "precision mechanics": 7, "high-tech": 4}, [
        _s("sludge", "plating_sludge", 110, "E:F32_s_sludge, P:P19/P21_s_sludge"),
        _s("effluent", "treated_effluent", 40000, "E:F10/F32_s_effluent, P:P19/P21_s_effluent",
           cod_tds=(95, 2600)),
        _d("scrubber", "process_water", 8000, "E:F10/F32_d_scrubber, P:P19_d_scrubber",
           cod_tds=SCRUBBER),
        _s("occ", "cardboard", 15, "E:F32_s_occ", p=0.5),
        _d("heat_baths", "heat", 600, "P:P19_d_heat_baths", p=0.7, t=(45, 70))]),
    "anodising": ("plating and surface finishing", "Aluminium anodising shop",
                  {"precision mechanics": 3, "high-tech": 2}, [
        _s("al", "al_scrap", 20, "P:P20_s_al", dross=0),
        _s("effluent", "treated_effluent", 40000, "P:P20_s_effluent", cod_tds=(70, 2000)),
        _d("cooling", "process_water", 15000, "P:P20_d_cooling", cod_tds=COOLING),
        _s("heat_chiller", "heat", 900, "P:P20_s_heat_chiller", t=(40, 30)),
        _d("heat_sealing", "heat", 500, "P:P20_d_heat_sealing", t=(88, 98))]),
    "cnc": ("CNC machining", "CNC machining", {"electronics": 3, "precision mechanics": 20,
                                                "high-tech": 10}, [
        _s("steel_swarf", "steel_swarf", 300, "P:P01/P25/P34/P39_s_steel_swarf", p=0.7),
        _s("al_swarf", "al_swarf", 300, "P:P02/P16_s_al_swarf", p=0.5, dross=0),
        _s("brass_swarf", "brass_swarf", 300, "P:P03_s_brass_swarf", p=0.15),
        _s("fluid", "spent_cutting_fluid", 90, "P:P01/P02/P16_s_fluid", rp=100),
        _s("oil", "used_oil", 12, "P:P01/P39/P41_s_oil", p=0.5),
        _s("occ", "cardboard", 40, "P:P01/P16_s_occ", p=0.5),
        _d("fluid", "cutting_fluid", 120, "P:P01/P02/P16_d_fluid", rp=50),
        _d("heat_washer", "heat", 300, "P:P01_d_heat_washer", p=0.4, t=(30, 70))]),
    "bearing": ("CNC machining", "Precision bearing maker (grinding, metrology)",
                {"precision mechanics": 4, "high-tech": 6}, [
        _s("steel_swarf", "steel_swarf", 200, "P:P09_s_steel_swarf"),
        _s("fluid", "spent_cutting_fluid", 100, "P:P09_s_fluid", rp=100),
        _s("effluent", "treated_effluent", 20000, "P:P09_s_effluent", cod_tds=(50, 600)),
        _d("cooling", "process_water", 30000, "P:P09_d_cooling", cod_tds=COOLING),
        _s("heat_condenser", "heat", 1500, "P:P09_s_heat_condenser", t=(37, 32)),
        _d("heat_reheat", "heat", 500, "P:P09_d_heat_reheat", t=(13, 20), price=80,
           co2=0.6592)]),
    "die_casting": ("aluminium die casting", "Aluminium die caster",
                    {"precision mechanics": 7, "high-tech": 3}, [
        _s("dross", "al_dross", 120, "P:P04/P35_s_dross", dross=100),
        _s("effluent", "treated_effluent", 12000, "P:P04_s_effluent", p=0.6, cod_tds=(70, 900)),
        _d("al", "al_scrap", 1000, "P:P04/P35_d_al, E:F18_d_al", dross=0),
        _d("cooling", "process_water", 18000, "P:P04/P35_d_cooling", cod_tds=COOLING),
        _s("heat_diecool", "heat", 1100, "P:P04_s_heat_diecool", t=(60, 35)),
        _s("heat_flue", "heat", 600, "P:P04_s_heat_flue", t=(450, 150), **FLUE)]),
    "heat_treatment": ("heat treatment", "Heat treatment shop",
                       {"precision mechanics": 5, "high-tech": 2}, [
        _s("oil", "used_oil", 30, "P:P05_s_oil"),
        _d("cooling", "process_water", 12000, "P:P05_d_cooling", cod_tds=COOLING),
        _s("heat_flue", "heat", 1100, "P:P05_s_heat_flue", t=(420, 150), **FLUE),
        _s("heat_quench", "heat", 700, "P:P05_s_heat_quench", t=(80, 40)),
        _d("heat_temper", "heat", 450, "P:P05_d_heat_temper", t=(30, 190))]),
    "coating": ("surface finishing (coating)", "Powder-coating and painting shop",
                {"electronics": 2, "precision mechanics": 4, "high-tech": 2}, [
        _s("effluent", "treated_effluent", 18000, "P:P10_s_effluent", cod_tds=(90, 1400)),
        _s("occ", "cardboard", 20, "P:P10_s_occ"),
        _d("heat_pretreat", "heat", 450, "P:P10_d_heat_pretreat", t=(25, 60)),
        _d("heat_oven", "heat", 900, "P:P10_d_heat_oven", t=(30, 200))]),
    "carton": ("packaging (carton, pallet)", "Carton packaging maker",
               {"electronics": 4, "precision mechanics": 2, "high-tech": 2}, [
        _s("trim", "cardboard", 550, "E:F34_s_trim, P:P27_s_trim"),
        _s("used_pallets", "used_pallet", 2500, "E:F34_s_used_pallets", p=0.5, rp=100)]),
    "assembly": ("electronics assembly", "Wire harness and sub-assembly",
                 {"electronics": 8, "high-tech": 6}, [
        _s("copper", "cu_scrap", 40, "E:F37_s_copper", p=0.6),
        _s("occ", "cardboard", 150, "E:F37/F43_s_occ"),
        _s("used_pallets", "used_pallet", 3000, "E:F37/F43_s_used_pallets", rp=100),
        _s("effluent", "treated_effluent", 60000, "E:F43_s_effluent", p=0.5, cod_tds=(40, 500)),
        _d("cooling", "process_water", 30000, "E:F43_d_cooling", p=0.5, cod_tds=COOLING),
        _d("toilet", "process_water", 20000, "E:F43_d_toilet", p=0.5, cod_tds=TOILET),
        _d("pallets", "pallet", 4000, "E:F37/F43_d_pallets", rp=40)]),
    "logistics": ("logistics", "Logistics and warehousing centre",
                  {"electronics": 2, "precision mechanics": 2, "high-tech": 2}, [
        _s("occ", "cardboard", 400, "P:P18_s_occ"),
        _s("used_pallets", "used_pallet", 5000, "E:F43_s_used_pallets", p=0.6, rp=100)]),
    "laundry": ("services (laundry)", "Industrial laundry",
                {"electronics": 1, "precision mechanics": 2, "high-tech": 2}, [
        _s("effluent", "treated_effluent", 40000, "P:P15_s_effluent", cod_tds=(95, 750)),
        _d("heat_wash", "heat", 2000, "P:P15_d_heat_wash", t=(25, 75), price=88.2, co2=0.314)]),
    "food": ("food processing", "Food plant", {"electronics": 1, "precision mechanics": 2,
                                               "high-tech": 3}, [
        _s("occ", "cardboard", 250, "P:P26_s_occ"),
        _s("effluent", "treated_effluent", 60000, "P:P26_s_effluent", cod_tds=(120, 800)),
        _d("cooling", "process_water", 20000, "P:P26_d_cooling", cod_tds=COOLING),
        _s("heat_vapour", "heat", 500, "P:P26_s_heat_vapour", t=(98, 65), **FLUE),
        _d("heat_cip", "heat", 1800, "P:P26_d_heat_cip", t=(25, 85)),
        _d("heat_feedwater", "heat", 600, "P:P26_d_heat_feedwater", t=(30, 95))]),
}

# Recyclers and by-product users: (sector, name, weight, templates); about RECYCLER_SHARE.
RECYCLERS = {
    "copper_recovery": ("recycler (copper, chemicals)", "Copper recovery and etchant recycler", 8, [
        _d("copper", "cu_chem", 165, "E:F23/F48_d_copper")]),
    "solder_recycler": ("recycler (solder)", "Solder dross recycler", 4, [
        _d("dross", "solder_dross", 12, "E:F14_d_dross")]),
    "al_remelter": ("recycler (aluminium remelting)", "Secondary aluminium remelter", 9, [
        _d("al", "al_scrap", 2000, "P:P32/P43_d_al"),
        _d("cooling", "process_water", 15000, "P:P32_d_cooling", cod_tds=COOLING),
        _s("heat_flue", "heat", 2200, "P:P32_s_heat_flue", t=(600, 250), **FLUE),
        _d("heat_swarf_dryer", "heat", 700, "P:P32_d_heat_swarf_dryer", t=(30, 350), price=66.5,
           co2=0.328)]),
    "plastic_regrind": ("recycler (plastics)", "Plastic regrind and pelletising", 10, [
        _d("plastics", "plastic_scrap", 650, "E:F22_d_plastics, P:P45_d_plastics")]),
    "solvent_distiller": ("recycler (solvents)", "Solvent distiller", 7, [
        _d("solvent", "spent_solvent", 150, "E:F24_d_solvent")]),
    "paper_mill": ("recycler (paper mill)", "Recycled paper mill", 8, [
        _d("occ", "cardboard", 4000, "E:F21_d_occ, P:P44_d_occ")]),
    "moulded_pulp": ("recycler (paper, moulded pulp)", "Moulded-pulp packaging maker", 5, [
        _d("occ", "cardboard", 2500, "P:P11_d_occ"),
        _d("heat_dryer", "heat", 1000, "P:P11_d_heat_dryer", t=(30, 180))]),
    "steel_reroller": ("recycler (steel re-rolling)", "Steel re-rolling mill", 9, [
        _d("steel", "steel_scrap", 1800, "E:F20_d_steel, P:P42_d_steel")]),
    "fluid_recycler": ("recycler (cutting fluids)", "Cutting-fluid recycler", 6, [
        _d("fluid", "spent_cutting_fluid", 600, "P:P12_d_fluid")]),
    "oil_rerefiner": ("recycler (used oil)", "Used-oil re-refiner", 5, [
        _d("oil", "used_oil", 1200, "P:P33_d_oil"),
        _s("effluent", "treated_effluent", 8000, "P:P33_s_effluent", cod_tds=(140, 1500)),
        _s("heat_condenser", "heat", 500, "P:P33_s_heat_condenser", t=(120, 60)),
        _d("heat_dehydration", "heat", 700, "P:P33_d_heat_dehydration", t=(30, 180), price=66.5,
           co2=0.328)]),
    "pallet_repair": ("recycler (pallets)", "Pallet repair yard", 6, [
        _d("cores", "used_pallet", 20000, "E:F25_d_cores")]),
    "brass_foundry": ("recycler (copper-alloy foundry)", "Bronze and brass foundry", 6, [
        _d("brass", "brass_swarf", 400, "P:P38_d_brass"),
        _d("copper", "cu_scrap", 150, "E:F19_d_copper, P:P38_d_copper")]),
    "brick_maker": ("building materials", "Non-fired brick and block maker", 3, [
        _d("clay", "clay_sand", 20000, "E:F26_d_clay")]),
}

# Every park (of at least 5 firms per entry) has these, in this order.
INFRASTRUCTURE = {
    "wwtp": ("utility (wastewater)", "Central wastewater plant", [
        _s("effluent", "ip_effluent", 800000, "E:F13/F35/F45_s_effluent, P:P13/P28/P36_s_effluent",
           cod_tds=(45, 650))]),
    "facilities": ("park services", "Park facilities (landscaping, road washing)", [
        _d("landscape", "process_water", 45000, "E:F15/F38/F44_d_landscape",
           cod_tds=LANDSCAPE)]),
    "compressed_air": ("utility (compressed air)", "Central compressed-air station", [
        _d("cooling", "process_water", 8000, "P:P07_d_cooling", cod_tds=COOLING),
        _s("heat_compressors", "heat", 1800, "P:P07_s_heat_compressors", t=(85, 40))]),
    "water_plant": ("utility (water supply)", "Water treatment plant", [
        _s("sludge", "wtp_sludge", 1500, "E:F12_s_sludge")]),
}

PARK_KINDS = ("electronics", "precision mechanics", "high-tech")
STREAM_COLUMNS = ["stream_id", "firm_id", "direction", "resource", "quantity", "price", "co2",
                  "t_in", "t_out", "note", "source"]


def _catalogue() -> tuple[list[str], list[str], list[str], list[list[dict]]]:
    """All archetypes in a fixed order: keys, sectors, names, templates."""
    keys, sectors, names, templates = [], [], [], []
    for table in (INFRASTRUCTURE, ARCHETYPES, RECYCLERS):
        for key, entry in table.items():
            keys.append(key)
            sectors.append(entry[0])
            names.append(entry[1])
            templates.append(entry[-1])
    return keys, sectors, names, templates


def _park_sizes(n_firms: int, rng: np.random.Generator) -> np.ndarray:
    mean_size = rng.uniform(60, 150)
    n_parks = max(1, int(round(n_firms / mean_size)))
    n_parks = min(n_parks, n_firms)
    minimum = min(30, n_firms // n_parks)
    shares = rng.dirichlet(np.full(n_parks, 6.0))
    return minimum + rng.multinomial(n_firms - minimum * n_parks, shares)


def _park_centres(n_parks: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform in the province, at least ~5 km apart when there is room."""
    margin = PARK_RADIUS_KM + 0.5
    min_gap = min(5.0, 0.6 * AREA_KM / np.sqrt(n_parks))
    centres: list[np.ndarray] = []
    while len(centres) < n_parks:
        for _ in range(200):
            c = rng.uniform(margin, AREA_KM - margin, size=2)
            if all(np.hypot(*(c - o)) >= min_gap for o in centres):
                break
        centres.append(c)
    return np.array(centres)


def _firms(n_firms: int, rng: np.random.Generator):
    keys, sectors, names, _ = _catalogue()
    index = {k: i for i, k in enumerate(keys)}
    sizes = _park_sizes(n_firms, rng)
    centres = _park_centres(len(sizes), rng)
    first_kind = int(rng.integers(len(PARK_KINDS)))
    producer_keys = list(ARCHETYPES)
    recycler_keys = list(RECYCLERS)
    recycler_w = np.array([RECYCLERS[k][2] for k in recycler_keys], float)
    recycler_w /= recycler_w.sum()

    park_of, arche, park_names = [], [], []
    for p, size in enumerate(sizes):
        kind = PARK_KINDS[(first_kind + p) % len(PARK_KINDS)]
        park_names.append(f"{kind.capitalize()} park {p + 1:02d}")
        n_infra = min(len(INFRASTRUCTURE), int(size) // 5)
        infra = np.array([index[k] for k in list(INFRASTRUCTURE)[:n_infra]], dtype=int)
        rest = int(size) - n_infra
        w = np.array([ARCHETYPES[k][2].get(kind, 0) for k in producer_keys], float)
        producers = np.array([index[k] for k in producer_keys])[
            rng.choice(len(producer_keys), size=rest, p=w / w.sum())]
        recyclers = np.array([index[k] for k in recycler_keys])[
            rng.choice(len(recycler_keys), size=rest, p=recycler_w)]
        chosen = np.where(rng.random(rest) < RECYCLER_SHARE, recyclers, producers)
        arche.append(np.concatenate([infra, chosen]))
        park_of.append(np.full(int(size), p))
    park_of = np.concatenate(park_of)
    arche = np.concatenate(arche)

    r = PARK_RADIUS_KM * np.sqrt(rng.random(n_firms))
    phi = rng.uniform(0, 2 * np.pi, n_firms)
    x = np.clip(centres[park_of, 0] + r * np.cos(phi), 0, AREA_KM)
    y = np.clip(centres[park_of, 1] + r * np.sin(phi), 0, AREA_KM)

    width = max(4, len(str(n_firms)))
    ids = np.array([f"F{i + 1:0{width}d}" for i in range(n_firms)])
    frame = pd.DataFrame({"firm_id": ids, "arche": arche, "park_idx": park_of})
    count = frame.groupby("arche").cumcount().to_numpy() + 1
    name_arr = np.array(names, dtype=object)[arche]
    firms = pd.DataFrame({
        "firm_id": ids,
        "name": [f"{n} {c}" for n, c in zip(name_arr, count)],
        "park": np.array(park_names, dtype=object)[park_of],
        "sector": np.array(sectors, dtype=object)[arche],
        "x_km": np.round(x, 3),
        "y_km": np.round(y, 3),
    })
    return firms, arche


def _streams(firm_ids: np.ndarray, arche: np.ndarray, rng: np.random.Generator):
    _, _, _, templates = _catalogue()
    parts = []
    for a, temps in enumerate(templates):
        members = np.flatnonzero(arche == a)
        if members.size == 0:
            continue
        for order, t in enumerate(temps):
            keep = members[rng.random(members.size) < t["p"]] if t["p"] < 1 else members
            n = keep.size
            if n == 0:
                continue
            qty = t["qty"] * rng.lognormal(0.0, QUANTITY_SIGMA, n)
            qty = np.where(qty >= 100, np.round(qty), np.round(qty, 2))
            part = {"firm_idx": keep, "order": np.full(n, order), "direction": t["direction"],
                    "resource": t["resource"], "quantity": qty, "note": t["tag"],
                    "source": t["source"]}
            nan = np.full(n, np.nan)
            part["price"] = np.full(n, t["price"]) if t["price"] is not None else nan
            part["co2"] = np.full(n, t["co2"]) if t["co2"] is not None else nan
            part["t_in"] = np.full(n, float(t["t"][0])) if t["t"] else nan
            part["t_out"] = np.full(n, float(t["t"][1])) if t["t"] else nan
            if t["cod_tds"] is not None:
                cod, tds = t["cod_tds"]
                if t["direction"] == "supply":
                    part["cod_mg_l"] = np.round(cod * rng.lognormal(0, QUALITY_SIGMA, n))
                    part["tds_mg_l"] = np.round(tds * rng.lognormal(0, QUALITY_SIGMA, n))
                else:
                    part["cod_mg_l"] = np.full(n, float(cod))
                    part["tds_mg_l"] = np.full(n, float(tds))
            if t["rp"] is not None:
                choices = np.atleast_1d(np.asarray(t["rp"], float))
                part["recycled_pct"] = (choices[rng.integers(choices.size, size=n)]
                                        if choices.size > 1 else np.full(n, choices[0]))
            if t["dross"] is not None:
                part["dross_pct"] = np.full(n, float(t["dross"]))
            parts.append(pd.DataFrame(part))
    streams = pd.concat(parts, ignore_index=True)
    streams = streams.sort_values(["firm_idx", "order"], kind="stable").reset_index(drop=True)
    number = streams.groupby("firm_idx").cumcount().to_numpy() + 1
    streams["firm_id"] = firm_ids[streams.firm_idx.to_numpy()]
    streams["stream_id"] = [f"{f}-S{k:02d}" for f, k in zip(streams.firm_id, number)]

    props = ["cod_mg_l", "tds_mg_l", "recycled_pct", "dross_pct"]
    qual_parts = []
    for order, prop in enumerate(props):
        if prop not in streams:
            continue
        has = streams[prop].notna().to_numpy()
        qual_parts.append(pd.DataFrame({"row": np.flatnonzero(has), "order": order,
                                        "stream_id": streams.stream_id.to_numpy()[has],
                                        "property": prop,
                                        "value": streams[prop].to_numpy()[has]}))
    qualities = (pd.concat(qual_parts, ignore_index=True)
                 .sort_values(["row", "order"], kind="stable")
                 [["stream_id", "property", "value"]].reset_index(drop=True))
    return streams[STREAM_COLUMNS], qualities


def _model_yaml(n_firms: int, seed: int) -> str:
    return (
        f'name: "synthetic province ({n_firms} firms, seed {seed})"\n'
        "description: >-\n"
        "  Synthetic province generated by symbiosis.generate: fictitious firms clustered in\n"
        "  electronics, precision-mechanics and high-tech parks over a ~40 x 40 km area, with\n"
        "  resources, prices, exchanges, qualities and temperatures copied from the example\n"
        "  parks bac-ninh-electronics and bac-ninh-precision (sources in their README.md).\n"
        "currency: USD\n"
        "economics: {discount_rate: 0.08, lifetime_years: 15, carbon_price: 0}\n"
        "links:\n"
        "  max_distance_km: 30\n"
        "  truck: {fixed_cost: 1500, capex_per_km: 0}\n"
        "  pipe: {fixed_cost: 4000, capex_per_km: 150000}\n"
        "heat: {min_approach_c: 10}\n"
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


GENERATED_FILES = ("model.yaml", "firms.csv", "resources.csv", "streams.csv", "exchanges.csv",
                   "qualities.csv")


def check_generate_folder(out_dir: str | Path, option: str = "-o") -> Path:
    """Refuse, before any work, a folder that is not a model symbiosis generated: it is
    replaced whole (docs/format.md, "What the commands write")."""
    from .outputs import check_folder, names_in

    return check_folder(Path(out_dir), "generated-model", option,
                        allowed=names_in(GENERATED_FILES))


def generate_park(n_firms: int, seed: int, out_dir: str | Path) -> Path:
    """Write a synthetic province of `n_firms` firms (deterministic for `seed`) to out_dir,
    all at once; out_dir may be new, empty or an earlier generated model."""
    from .outputs import write_folder

    if int(n_firms) < 1:
        raise ValueError(f"n_firms must be at least 1, not {n_firms}")
    n_firms = int(n_firms)
    out = check_generate_folder(out_dir)
    rng = np.random.default_rng(seed)
    firms, arche = _firms(n_firms, rng)
    streams, qualities = _streams(firms.firm_id.to_numpy(), arche, rng)
    resources = pd.DataFrame(RESOURCES, columns=RESOURCE_COLUMNS)
    exchanges = pd.DataFrame(EXCHANGES, columns=["from_resource", "to_resource", "yield",
                                                 "processing_cost", "processing_co2", "source"])
    exchanges.insert(5, "max_distance_km", np.nan)

    def fill(tmp: Path) -> None:
        (tmp / "model.yaml").write_text(_model_yaml(n_firms, seed), encoding="utf-8",
                                        newline="\n")
        _write_csv(firms, tmp / "firms.csv")
        _write_csv(resources, tmp / "resources.csv")
        _write_csv(streams, tmp / "streams.csv")
        _write_csv(exchanges, tmp / "exchanges.csv")
        _write_csv(qualities, tmp / "qualities.csv")

    return write_folder(out, "generated-model", fill)
