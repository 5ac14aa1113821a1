"""QR codes for labels (segno): the module matrix, and an SVG path of its dark modules.

The label's QR code holds the verification URL ``{base_url}/v/{token}``. Error
correction M at least (segno raises it when the symbol has room), with the standard
quiet zone of four modules.
"""

from __future__ import annotations

import segno

QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004)


def verification_url(base_url: str, token: str) -> str:
    """The URL a phone opens after scanning the label."""
    return f"{base_url.rstrip('/')}/v/{token}"


def qr_matrix(content: str, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The QR code of ``content`` as rows of modules (True: dark), quiet zone included."""
    code = segno.make(content, error="m", micro=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=border)]


def svg_path(matrix: list[list[bool]], *, module: float = 1.0) -> str:
    """The ``d`` attribute of one path drawing every dark module, as horizontal runs.

    Coordinates are in units of ``module``; one path keeps the SVG small and has no
    hairline gaps between neighbouring modules.
    """

    def num(value: float) -> str:
        return f"{value:.3f}".rstrip("0").rstrip(".")

    commands: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            width = (x - start) * module
            commands.append(
                f"M{num(start * module)} {num(y * module)}h{num(width)}v{num(module)}"
                f"h{num(-width)}z"
            )
    return "".join(commands)
