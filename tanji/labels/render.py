"""The carbon label as SVG and PNG, in Chinese or English, with its verification QR code.

Green like the national label (CNCA general rules, trial, 2025): the product, the
footprint value in digits with its declared unit, the grade if any, the certificate
number, the certification body, the validity dates and a QR code of the verification
URL ``{base_url}/v/{token}``. Both formats also carry the token itself — the SVG in a
``data-token`` attribute and its ``<metadata>``, the PNG in a ``tanji-token`` tEXt
chunk — so ``tanji label verify label.svg`` works without decoding the QR code.

One layout (in abstract units, 600 × 340) feeds both renderers, so the two files agree.
The PNG needs the Noto Sans CJK font (Debian: ``fonts-noto-cjk``).
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanji.accounts.models import Organisation, OrganisationKind
from tanji.accounts.policy import Actor, Right
from tanji.core.errors import Conflict, NotFound, TanjiError
from tanji.core.i18n import _, current_language, set_language
from tanji.labels import registry, signing
from tanji.labels.models import Certificate, CertificateStatus
from tanji.labels.qr import qr_matrix, svg_path, verification_url

WIDTH, HEIGHT = 600, 340  # layout units; the PNG draws them at PNG_SCALE pixels each
PNG_SCALE = 2
GREEN = "#0b7a3e"  # the label's green
INK = "#17231c"
GREY = "#44524a"
WHITE = "#ffffff"
FONT_FAMILY = (
    "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC',"
    "'Microsoft YaHei',sans-serif"
)
# The label's fixed bilingual mark (like the national label, it names itself in both).
MARK_ZH = "碳足迹"
MARK_EN = "Carbon footprint"
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))  # searched after fc-match
TOKEN_CHUNK = "tanji-token"  # the PNG tEXt keyword holding the token
SVG_NS = "http://www.w3.org/2000/svg"
TANJI_NS = "urn:tanji:label"
QR_X, QR_Y, QR_SIZE = 352.0, 70.0, 228.0
TEXT_LEFT, TEXT_WIDTH = 24.0, 316.0


class LabelFontMissing(TanjiError):
    """The font the PNG label needs is not installed."""


# --- finding a certificate's label (for the download routes) ------------------------------


@dataclass(frozen=True)
class LabelFile:
    """What a label download needs: the certificate, its current token, its certifier."""

    certificate: Certificate
    token: str
    certifier: Organisation | None


def label_for_download(
    session: Session, *, actor: Actor, number: str, issuer: str, now: dt.datetime | None = None
) -> LabelFile:
    """The current label of certificate ``number``, for its holder or its certifier.

    The holder needs the right to read its studies; the issuing certification body
    needs one of its certification rights. Anyone else gets NotFound (existence does
    not leak). A certificate that is not valid has no label to print (Conflict).
    """
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    holder = (
        certificate is not None
        and certificate.organisation_id == actor.organisation_id
        and actor.organisation_kind == OrganisationKind.ENTERPRISE
        and actor.can(Right.STUDY_READ)
    )
    certifier = (
        certificate is not None
        and certificate.certifier_id == actor.organisation_id
        and (actor.can(Right.CERT_VERIFY) or actor.can(Right.CERT_DECIDE))
    )
    if certificate is None or not (holder or certifier):
        raise NotFound(_("There is no certificate {number} of yours.").format(number=number))
    status = registry.effective_status(certificate, None if now is None else now.date())
    if status != CertificateStatus.VALID:
        raise Conflict(
            _(
                "Certificate {number} is {status}, so its label must not be printed or "
                "shown. Its registry page tells buyers its current status."
            ).format(number=number, status=registry.status_name(status))
        )
    token = signing.current_label_token(session, certificate=certificate, issuer=issuer, now=now)
    return LabelFile(certificate, token, session.get(Organisation, certificate.certifier_id))


# --- the layout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    size: float
    bold: bool = False
    fill: str = INK
    gap: float = 0.0  # space before this run, after the previous one


@dataclass(frozen=True)
class Line:
    x: float
    y: float  # baseline
    runs: tuple[Run, ...]
    anchor: str = "start"  # start or middle


@dataclass(frozen=True)
class Layout:
    lines: tuple[Line, ...]
    qr: list[list[bool]]
    title: str
    token: str
    url: str
    language: str


def _width(text: str, size: float) -> float:
    """An estimate of the text's advance: CJK glyphs are one em, others about 0.58 em."""
    return sum(
        size if unicodedata.east_asian_width(char) in ("W", "F") else size * 0.58 for char in text
    )


def _wrap(text: str, size: float, width: float, lines: int) -> list[str]:
    """Break ``text`` into at most ``lines`` lines of ``width`` (an ellipsis if cut)."""
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines:
        if _width(rest, size) <= width:
            out.append(rest)
            rest = ""
            break
        cut = len(rest)
        while cut > 1 and _width(rest[:cut], size) > width:
            cut -= 1
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2 and not rest[cut - 1].isspace():
            cut = space  # break between words when a word would be split
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and out:
        last = out[-1]
        while last and _width(last + "…", size) > width:
            last = last[:-1]
        out[-1] = last + "…"
    return out


@contextmanager
def _language(language: str) -> Iterator[str]:
    previous = current_language()
    chosen = set_language(language)
    try:
        yield chosen
    finally:
        set_language(previous)


def _certifier_name(certifier: Organisation | None, token: str, language: str) -> str:
    if certifier is not None:
        if language == "en" and certifier.name_en:
            return certifier.name_en
        return certifier.name_zh
    try:
        _header, claims = signing.decode_unverified(token)
    except TanjiError:
        return ""
    label = claims.get("lbl", {})
    return str(label.get("cb", "")) if isinstance(label, dict) else ""


def layout(
    certificate: Certificate,
    token: str,
    *,
    base_url: str,
    language: str,
    certifier: Organisation | None = None,
) -> Layout:
    """Where every text and the QR code go, in the label's language."""
    with _language(language) as chosen:
        product = certificate.product_name_zh
        if chosen == "en" and certificate.product_name_en:
            product = certificate.product_name_en
        value = signing.plain_value(certificate.value)
        unit = _("kg CO2e / {unit}").format(unit=certificate.unit)
        body = _certifier_name(certifier, token, chosen)
        if chosen == "en":
            mark = (Run(MARK_EN, 24, True, WHITE), Run(MARK_ZH, 18, False, WHITE, 12))
        else:
            mark = (Run(MARK_ZH, 26, True, WHITE), Run(MARK_EN, 17, False, WHITE, 12))
        lines: list[Line] = [Line(TEXT_LEFT, 41, mark)]
        y = 98.0
        for text in _wrap(product, 20, TEXT_WIDTH, 2):
            lines.append(Line(TEXT_LEFT, y, (Run(text, 20, True),)))
            y += 26
        y += 34
        lines.append(
            Line(TEXT_LEFT, y, (Run(value, 52, True, GREEN), Run(unit, 18, False, INK, 10)))
        )
        y += 30
        if certificate.grade:
            grade = _("Grade {grade}").format(grade=certificate.grade)
            lines.append(Line(TEXT_LEFT, y, (Run(grade, 16, True, GREEN),)))
            y += 28
        details = [
            _("Certificate No. {number}").format(number=certificate.number),
            _("Certified by {body}").format(body=body),
            _("Valid {start} to {end}").format(
                start=certificate.issued_on.isoformat(), end=certificate.expires_on.isoformat()
            ),
        ]
        for text in details:
            for part in _wrap(text, 13, TEXT_WIDTH, 1):
                lines.append(Line(TEXT_LEFT, y, (Run(part, 13, False, GREY),)))
            y += 20
        host = urlsplit(base_url).netloc or base_url
        scan = _("Scan to verify at {host}").format(host=host)
        lines.append(Line(QR_X + QR_SIZE / 2, QR_Y + QR_SIZE + 18, (Run(scan, 13, False, GREY),),
                          "middle"))  # fmt: skip
        url = verification_url(base_url, token)
        title = _("Carbon footprint label: {product}, {value} {unit}, certificate {number}").format(
            product=product, value=value, unit=unit, number=certificate.number
        )
        return Layout(tuple(lines), qr_matrix(url), title, token, url, chosen)


# --- SVG ----------------------------------------------------------------------------------


def _svg_line(line: Line) -> str:
    spans = []
    for index, run in enumerate(line.runs):
        weight = ' font-weight="700"' if run.bold else ""
        dx = f' dx="{run.gap:g}"' if index and run.gap else ""
        spans.append(
            f'<tspan font-size="{run.size:g}" fill="{run.fill}"{weight}{dx}>'
            f"{escape(run.text)}</tspan>"
        )
    anchor = ' text-anchor="middle"' if line.anchor == "middle" else ""
    return f'<text x="{line.x:g}" y="{line.y:g}"{anchor}>{"".join(spans)}</text>'


def label_svg(
    certificate: Certificate,
    token: str,
    *,
    base_url: str,
    language: str,
    certifier: Organisation | None = None,
) -> str:
    """The label as a standalone SVG document (UTF-8 text)."""
    plan = layout(certificate, token, base_url=base_url, language=language, certifier=certifier)
    module = QR_SIZE / len(plan.qr)
    lang = "zh-CN" if plan.language == "zh_CN" else "en"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="{SVG_NS}" xmlns:tanji="{TANJI_NS}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xml:lang="{lang}" '
        f'font-family="{FONT_FAMILY}" data-token={quoteattr(token)}>',
        f"<title>{escape(plan.title)}</title>",
        f"<metadata><tanji:label><tanji:token>{escape(token)}</tanji:token>"
        f"<tanji:url>{escape(plan.url)}</tanji:url></tanji:label></metadata>",
        f'<rect x="2" y="2" width="{WIDTH - 4}" height="{HEIGHT - 4}" rx="14" fill="{WHITE}" '
        f'stroke="{GREEN}" stroke-width="4"/>',
        f'<path d="M2 60V16a14 14 0 0 1 14-14h{WIDTH - 32}a14 14 0 0 1 14 14v44z" fill="{GREEN}"/>',
        *(_svg_line(line) for line in plan.lines),
        f'<rect x="{QR_X:g}" y="{QR_Y:g}" width="{QR_SIZE:g}" height="{QR_SIZE:g}" '
        f'fill="{WHITE}"/>',
        f'<path transform="translate({QR_X:g} {QR_Y:g}) scale({module:.6g})" '
        f'd="{svg_path(plan.qr)}" fill="#000000" shape-rendering="crispEdges"/>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def token_from_svg(text: str) -> str | None:
    """The token an SVG label carries (its ``data-token`` attribute or metadata)."""
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    found = root.get("data-token")
    if found:
        return found.strip()
    element = root.find(f".//{{{TANJI_NS}}}token")
    if element is not None and element.text:
        return element.text.strip()
    return None


# --- PNG ----------------------------------------------------------------------------------


def _fc_match(pattern: str) -> tuple[str, int] | None:
    try:
        done = subprocess.run(
            ["fc-match", "--format=%{file}\n%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path, _sep, index = done.stdout.partition("\n")
    if done.returncode != 0 or "CJK" not in Path(path).name or not index.strip().isdigit():
        return None  # fc-match always answers; only a Noto Sans CJK face will do
    return path, int(index)


def _search_fonts() -> tuple[tuple[str, int], tuple[str, int] | None] | None:
    """Noto Sans CJK regular (and bold, if present) under the usual font folders."""
    for folder in FONT_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("NotoSansCJK-Regular.tt[cf]")):
            index = 2 if path.suffix == ".ttc" else 0  # in the collection, 2 is the SC face
            bolder = path.with_name(path.name.replace("Regular", "Bold"))
            return (str(path), index), ((str(bolder), index) if bolder.is_file() else None)
    return None


@cache
def font_files() -> tuple[tuple[str, int], tuple[str, int]]:
    """The (file, face index) of Noto Sans CJK SC regular and bold."""
    regular = _fc_match("Noto Sans CJK SC")
    bold = _fc_match("Noto Sans CJK SC:bold") if regular is not None else None
    if regular is None:
        found = _search_fonts()
        if found is None:
            raise LabelFontMissing(
                _(
                    "The PNG label needs the Noto Sans CJK font, which is not installed. "
                    "Install it (Debian, Ubuntu: apt install fonts-noto-cjk) and try again; "
                    "the SVG label needs no font."
                )
            )
        regular, bold = found
    return regular, bold or regular


def _font(size: float, bold: bool):  # -> PIL.ImageFont.FreeTypeFont
    from PIL import ImageFont

    regular, heavy = font_files()
    path, index = heavy if bold else regular
    return ImageFont.truetype(path, size=round(size * PNG_SCALE), index=index)


def label_png(
    certificate: Certificate,
    token: str,
    *,
    base_url: str,
    language: str,
    certifier: Organisation | None = None,
) -> bytes:
    """The label as a PNG image (1200 × 680 pixels) with the token in a tEXt chunk."""
    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    plan = layout(certificate, token, base_url=base_url, language=language, certifier=certifier)
    s = PNG_SCALE
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), WHITE)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (2 * s, 2 * s, (WIDTH - 2) * s, (HEIGHT - 2) * s), radius=14 * s, fill=WHITE,
        outline=GREEN, width=4 * s,
    )  # fmt: skip
    draw.rounded_rectangle(
        (2 * s, 2 * s, (WIDTH - 2) * s, 60 * s), radius=14 * s, fill=GREEN,
        corners=(True, True, False, False),
    )  # fmt: skip
    for line in plan.lines:
        fonts = [_font(run.size, run.bold) for run in line.runs]
        widths = [
            draw.textlength(run.text, font=font) for run, font in zip(line.runs, fonts, strict=True)
        ]
        total = sum(widths) + sum(run.gap * s for run in line.runs[1:])
        x = line.x * s - (total / 2 if line.anchor == "middle" else 0)
        for index, (run, font, width) in enumerate(zip(line.runs, fonts, widths, strict=True)):
            if index:
                x += run.gap * s
            draw.text((x, line.y * s), run.text, font=font, fill=run.fill, anchor="ls")
            x += width
    # the QR code on whole pixels per module, centred in its box
    count = len(plan.qr)
    module = max(1, int(QR_SIZE * s // count))
    left = int(QR_X * s + (QR_SIZE * s - module * count) / 2)
    top = int(QR_Y * s + (QR_SIZE * s - module * count) / 2)
    draw.rectangle((QR_X * s, QR_Y * s, (QR_X + QR_SIZE) * s, (QR_Y + QR_SIZE) * s), fill=WHITE)
    for row_index, row in enumerate(plan.qr):
        for column, dark in enumerate(row):
            if dark:
                x0, y0 = left + column * module, top + row_index * module
                draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill="#000000")
    info = PngInfo()
    info.add_text(TOKEN_CHUNK, token)
    info.add_text("Title", plan.title)  # Pillow writes iTXt when it is not Latin-1
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def token_from_png(data: bytes) -> str | None:
    """The token a PNG label carries in its ``tanji-token`` text chunk."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            text = getattr(image, "text", {}) or {}
            found = text.get(TOKEN_CHUNK)
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return found.strip() if isinstance(found, str) and found.strip() else None
