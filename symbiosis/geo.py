"""Distances between firms: planar (x_km, y_km) or great-circle (lat, lon), straight-line or
Manhattan (`links.distance: manhattan`, a planned park's street grid)."""
from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def planar_km(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    return np.hypot(np.asarray(x2) - x1, np.asarray(y2) - y1)


def great_circle_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                    lon2: np.ndarray) -> np.ndarray:
    """Haversine distance on a sphere of the mean Earth radius (error < 0.5 %)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def manhattan_km(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """|dx| + |dy|: along a grid of streets parallel to the axes. Never shorter than the
    straight line, so a search within a straight-line radius finds every pair within reach."""
    return np.abs(np.asarray(x2) - x1) + np.abs(np.asarray(y2) - y1)


def manhattan_geographic_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                            lon2: np.ndarray) -> np.ndarray:
    """North-south plus east-west km (the east-west leg at the mean latitude): a street grid
    aligned with the meridians, on the sphere of the mean Earth radius."""
    per_degree = np.pi / 180 * EARTH_RADIUS_KM
    mean = np.radians((np.asarray(lat1) + lat2) / 2)
    return per_degree * (np.abs(np.asarray(lat2) - lat1)
                         + np.cos(mean) * np.abs(np.asarray(lon2) - lon1))


def pairwise_km(a: np.ndarray, b: np.ndarray, geographic: bool,
                manhattan: bool = False) -> np.ndarray:
    """The (len(a), len(b)) matrix of distances between points a and b ((n, 2) arrays of
    x_km, y_km or lat, lon) in the park's metric, before circuity (as network.py)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    u1, v1 = a[:, 0][:, None], a[:, 1][:, None]
    u2, v2 = b[:, 0][None, :], b[:, 1][None, :]
    if geographic:
        return (manhattan_geographic_km if manhattan else great_circle_km)(u1, v1, u2, v2)
    return (manhattan_km if manhattan else planar_km)(u1, v1, u2, v2)
