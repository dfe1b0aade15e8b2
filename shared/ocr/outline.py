"""The page's outline in a photo: four corners, found, fitted and refined (pure).

``find_document`` looks for the sheet on a small copy of the photo (text and table rules
are closed away first, so only the paper's outline is left), fits a quadrilateral to
each bright, edge-bounded region (a corner the frame cuts off is recovered by extending
the two sides that meet there), keeps the largest one whose sides sit on a real
brighter-inside edge, and refines its sides on a larger copy. ``find_quad`` does the
same on an already small image for the live capture judge; ``order_corners`` puts four
points in the order everything else expects.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from shared.ocr.imaging import as_bgr, shrunk

#: The long side, in pixels, of the copy the page outline is searched in.
SEARCH_SIDE = 512
#: The long side of the copy the outline's sides are refined on.
REFINE_SIDE = 1600
#: A page covers at least this fraction of the photo.
MIN_PAGE_AREA = 0.10
#: Interior angles of the page outline stay within this range (degrees) under perspective.
MIN_CORNER_ANGLE, MAX_CORNER_ANGLE = 35.0, 145.0
#: How much of the outline must lie inside the photo, and on a real edge there.
MIN_VISIBLE_OUTLINE, MIN_EDGE_SUPPORT = 0.30, 0.55
#: Paper is at least this much brighter (grey levels) than what lies just outside it.
MIN_EDGE_CONTRAST = 12.0
#: Gradient magnitude (Sobel, on the closed and blurred copy) that counts as an edge: low
#: enough for white paper on a light grey counter, whose step is only ~15 grey levels.
EDGE_GRADIENT = 30.0


def find_document(image: np.ndarray) -> np.ndarray | None:
    """The page's corners (float32 4x2: top-left, top-right, bottom-right, bottom-left).

    None when no page-like quadrilateral stands out from a background, e.g. when the
    image is already a flat scan or render that fills the frame.
    """
    bgr = as_bgr(image)
    small, factor = shrunk(bgr, SEARCH_SIDE)
    quad = find_quad(small)
    if quad is None:
        return None
    return _refine(bgr, quad / factor, search_factor=factor)


def find_quad(small_bgr: np.ndarray, min_area: float = MIN_PAGE_AREA) -> np.ndarray | None:
    """:func:`find_document` on an already small image, without refining the sides.

    ``min_area`` is the smallest share of the image a page may cover.
    """
    gray = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY)
    side = max(3, (min(gray.shape) // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    # Brightness first; failing that, the darkest channel, which sets white paper apart
    # from a coloured table as bright as it. In each, areas bounded by edges first, then
    # bright areas; the first way that finds a page wins.
    for channel in (gray, np.min(small_bgr, axis=2)):
        plain = cv2.GaussianBlur(cv2.morphologyEx(channel, cv2.MORPH_CLOSE, kernel), (5, 5), 0)
        gradient = _gradient(plain)
        for regions in (_edge_bounded, _bright):
            best: tuple[float, np.ndarray] | None = None
            for region in _large_components(regions(plain), min_area):
                quad = _quad_around(region)
                if quad is None:
                    continue
                score = _page_score(quad, region, plain, gradient, min_area)
                if score is not None and (best is None or score > best[0]):
                    best = (score, quad)
            if best is not None:
                # The region stops a pixel or two short of the edge: snap onto it.
                return _refine(small_bgr, order_corners(best[1]), search_factor=1.0)
    return None


def _gradient(plain: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(plain, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(plain, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.dilate(cv2.magnitude(gx, gy), np.ones((5, 5), np.uint8))


def _edge_bounded(plain: np.ndarray) -> tuple[np.ndarray, int]:
    edges = cv2.dilate(cv2.Canny(plain, 20, 50), np.ones((3, 3), np.uint8))
    return cv2.bitwise_not(edges), 4


def _bright(plain: np.ndarray) -> tuple[np.ndarray, int]:
    _, bright = cv2.threshold(plain, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)), 8


def _large_components(found: tuple[np.ndarray, int], min_area: float) -> list[np.ndarray]:
    mask, connectivity = found
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=connectivity)
    min_pixels = min_area * mask.size * 0.7
    return [(labels == label).astype(np.uint8) for label in range(1, count)
            if stats[label, cv2.CC_STAT_AREA] >= min_pixels]


def _quad_around(region: np.ndarray) -> np.ndarray | None:
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = max(contours, key=len)
    hull = cv2.convexHull(contour)
    polygon = cv2.approxPolyDP(hull, max(1.5, 0.003 * cv2.arcLength(hull, True)), True)
    quad = _reduce_to_quad(polygon.reshape(-1, 2).astype(np.float64), region.shape)
    if quad is None:
        return None
    return _fit_sides(quad, contour.reshape(-1, 2).astype(np.float64), region.shape)


def _on_border(points: np.ndarray, shape: tuple[int, ...], margin: float) -> np.ndarray:
    """Whether each of ``points`` (n x 2) lies within ``margin`` of the frame's border."""
    height, width = shape[:2]
    x, y = points[:, 0], points[:, 1]
    return np.asarray((x <= margin) | (y <= margin) | (x >= width - 1 - margin)
                      | (y >= height - 1 - margin))


def _reduce_to_quad(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """Cut a convex polygon down to four corners, each time dropping one side and
    extending its two neighbours until they meet.

    Sides along the frame's border go first (they are where the frame cut a corner
    off); then the side whose removal adds the least area.
    """
    height, width = shape[:2]
    margin = 2.0

    def borders(x: float, y: float) -> int:
        return ((x <= margin) | (y <= margin) << 1 | (x >= width - 1 - margin) << 2
                | (y >= height - 1 - margin) << 3)

    corners = [(float(x), float(y)) for x, y in points]
    while len(corners) > 4:
        count = len(corners)
        best: tuple[tuple[bool, float], int, tuple[float, float]] | None = None
        for i in range(count):
            a, b = corners[i - 1], corners[i]
            c, d = corners[(i + 1) % count], corners[(i + 2) % count]
            meet = _meet_ahead(a, b, d, c)
            if meet is None:
                continue
            cut = bool(borders(*b) & borders(*c))
            added = abs((b[0] - meet[0]) * (c[1] - meet[1]) - (b[1] - meet[1]) * (c[0] - meet[0]))
            key = (not cut, added)
            if best is None or key < best[0]:
                best = (key, i, meet)
        if best is None:
            return None
        _, i, meet = best
        corners[i] = meet
        del corners[(i + 1) % count]
    return np.array(corners, np.float64) if len(corners) == 4 else None


def _meet_ahead(a: tuple[float, float], b: tuple[float, float], d: tuple[float, float],
                c: tuple[float, float]) -> tuple[float, float] | None:
    """Where ray a->b (beyond b) meets ray d->c (beyond c), if it does."""
    rx, ry, sx, sy = b[0] - a[0], b[1] - a[1], c[0] - d[0], c[1] - d[1]
    denominator = rx * sy - ry * sx
    if abs(denominator) < 1e-9:
        return None
    qx, qy = d[0] - a[0], d[1] - a[1]
    t = (qx * sy - qy * sx) / denominator
    u = (qx * ry - qy * rx) / denominator
    if t < 1.0 or u < 1.0:
        return None
    return a[0] + t * rx, a[1] + t * ry


def _fit_sides(quad: np.ndarray, contour: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Refit each side of ``quad`` to the outline (every pixel of the region's contour)
    near it, leaving out the points near the frame's border (where edges go undetected),
    and intersect the sides again."""
    outline = contour[~_on_border(contour, shape, margin=5.0)]
    distances = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        direction = (b - a) / (np.linalg.norm(b - a) + 1e-9)
        distances.append(np.abs(_cross_many(outline - a, direction)))
    nearest = np.argmin(np.stack(distances), axis=0) if len(outline) else np.zeros(0, int)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = outline[(nearest == i) & (distances[i] < 6.0)] if len(outline) else outline
        if len(points) >= 10:
            fitted = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
            lines.append((fitted[2:4].astype(np.float64), fitted[0:2].astype(np.float64)))
        else:
            lines.append((a, b - a))
    fitted_quad = []
    for i in range(4):
        point = _intersect(lines[i - 1], lines[i])
        if point is None or np.linalg.norm(point - quad[i]) > 0.1 * math.hypot(*shape[:2]):
            return quad
        fitted_quad.append(point)
    return np.array(fitted_quad, np.float64)


def _cross_many(vectors: np.ndarray, direction: np.ndarray) -> np.ndarray:
    return np.asarray(vectors[:, 0] * direction[1] - vectors[:, 1] * direction[0])


def _cross(a: np.ndarray, b: np.ndarray) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _page_score(quad: np.ndarray, region: np.ndarray, plain: np.ndarray,
                gradient: np.ndarray, min_area: float) -> float | None:
    """How page-like ``quad`` is (its area, weighted by edge support), or None if not."""
    height, width = plain.shape
    if not _plausible_shape(quad):
        return None
    inside = np.zeros_like(region)
    cv2.fillConvexPoly(inside, np.round(quad).astype(np.int32), 1)
    quad_area = int(np.count_nonzero(inside))
    if quad_area < min_area * height * width:
        return None
    region_area = int(np.count_nonzero(region))
    overlap = int(np.count_nonzero(inside & region))
    if overlap < 0.85 * quad_area or overlap < 0.9 * region_area:
        return None
    support = _edge_support(quad, plain, gradient)
    if support is None:
        return None
    return quad_area / (height * width) * support


def _plausible_shape(quad: np.ndarray) -> bool:
    if not cv2.isContourConvex(np.round(quad).astype(np.int32)):
        return False
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        angle = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
        if not MIN_CORNER_ANGLE <= angle <= MAX_CORNER_ANGLE:
            return False
    return True


def _edge_support(quad: np.ndarray, plain: np.ndarray, gradient: np.ndarray) -> float | None:
    """The fraction of the visible outline lying on a brighter-inside edge."""
    height, width = plain.shape
    centre = quad.mean(axis=0)
    margin, offset = 3.0, 4.0
    total = visible = on_edge = 0
    contrasts: list[np.ndarray] = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        length = float(np.linalg.norm(b - a))
        steps = max(8, int(length / 2))
        t = (np.arange(steps) + 0.5) / steps
        points = a + (b - a) * t[:, None]
        normal = np.array([-(b - a)[1], (b - a)[0]]) / (length + 1e-9)
        if np.dot(centre - (a + b) / 2, normal) > 0:
            normal = -normal  # pointing out of the page
        total += steps
        shown = ((points[:, 0] > margin) & (points[:, 0] < width - 1 - margin)
                 & (points[:, 1] > margin) & (points[:, 1] < height - 1 - margin))
        points = points[shown]
        visible += len(points)
        if not len(points):
            continue
        xs, ys = np.round(points).astype(int).T
        on_edge += int(np.count_nonzero(gradient[ys, xs] > EDGE_GRADIENT))
        outer = np.round(points + normal * offset).astype(int)
        inner = np.round(points - normal * offset).astype(int)
        keep = ((outer[:, 0] >= 0) & (outer[:, 0] < width)
                & (outer[:, 1] >= 0) & (outer[:, 1] < height))
        contrasts.append(plain[inner[keep, 1], inner[keep, 0]].astype(np.float32)
                         - plain[outer[keep, 1], outer[keep, 0]].astype(np.float32))
    if visible < MIN_VISIBLE_OUTLINE * total or on_edge < MIN_EDGE_SUPPORT * visible:
        return None
    steps_across = np.concatenate(contrasts) if contrasts else np.zeros(0, np.float32)
    if not len(steps_across) or float(np.median(steps_across)) < MIN_EDGE_CONTRAST:
        return None
    return on_edge / visible


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left (float32 4x2)."""
    points = np.asarray(points, np.float32).reshape(4, 2)
    centre = points.mean(axis=0)
    clockwise = points[np.argsort(np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0]))]
    return np.roll(clockwise, -int(np.argmin(clockwise.sum(axis=1))), axis=0)


def _refine(bgr: np.ndarray, corners: np.ndarray, search_factor: float) -> np.ndarray:
    """Move each side onto the strongest brighter-inside edge near it, on a larger copy.

    Twice: the first pass mends the slope of a side the frame cuts short, the second
    then looks along its whole length.
    """
    medium, factor = shrunk(bgr, REFINE_SIDE)
    gray = cv2.GaussianBlur(cv2.cvtColor(medium, cv2.COLOR_BGR2GRAY), (0, 0), 1.2)
    quad = np.asarray(corners, np.float32) * factor
    reach = max(4.0, 5.0 * factor / search_factor)  # five pixels of the search copy
    for _ in range(2):
        lines = [_refine_side(gray, quad[i], quad[(i + 1) % 4], quad.mean(axis=0), reach)
                 for i in range(4)]
        refined = []
        for i in range(4):
            point = _intersect(lines[i - 1], lines[i])
            if point is None or np.linalg.norm(point - quad[i]) > 4 * reach:
                point = quad[i]
            refined.append(point)
        quad = np.array(refined, np.float32)
    return order_corners(quad / factor)


def _refine_side(gray: np.ndarray, a: np.ndarray, b: np.ndarray, centre: np.ndarray,
                 reach: float) -> tuple[np.ndarray, np.ndarray]:
    """The side a-b as (point, direction), fitted to the edge found across it."""
    height, width = gray.shape
    direction = (b - a) / (np.linalg.norm(b - a) + 1e-9)
    normal = np.array([-direction[1], direction[0]], np.float32)
    if np.dot(centre - (a + b) / 2, normal) > 0:
        normal = -normal
    t = np.linspace(0.1, 0.9, 48, dtype=np.float32)
    offsets = np.arange(-reach, reach + 1, 1.0, dtype=np.float32)
    points = a + (b - a) * t[:, None]
    grid = points[:, None, :] + offsets[None, :, None] * normal
    map_x, map_y = grid[..., 0].astype(np.float32), grid[..., 1].astype(np.float32)
    profiles = cv2.remap(gray, map_x, map_y, cv2.INTER_LINEAR).astype(np.float32)
    # Going outwards the paper ends: the largest drop in brightness, to a fraction of a
    # pixel by a parabola through the drops either side.
    drops = profiles[:, :-2] - profiles[:, 2:]
    rows = np.arange(len(drops))
    peak = np.clip(np.argmax(drops, axis=1), 1, drops.shape[1] - 2)
    left, middle, right = drops[rows, peak - 1], drops[rows, peak], drops[rows, peak + 1]
    curvature = left - 2 * middle + right
    shift = np.where(curvature < 0, 0.5 * (left - right) / np.minimum(curvature, -1e-6), 0.0)
    inside = ((map_x >= 1) & (map_x < width - 2) & (map_y >= 1) & (map_y < height - 2)).all(axis=1)
    keep = inside & (middle >= 8.0)
    found = points[keep] + normal * (offsets[peak[keep]] + 1.0 + shift[keep])[:, None]
    if len(found) < 8:
        return a.astype(np.float32), direction.astype(np.float32)
    fitted = cv2.fitLine(found.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return fitted[2:4], fitted[0:2]


def _intersect(first: tuple[np.ndarray, np.ndarray],
               second: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    (p, r), (q, s) = first, second
    denominator = _cross(r, s)
    if abs(denominator) < 1e-6:
        return None
    t = _cross(q - p, s) / denominator
    return np.asarray(p + t * r, np.float32)

