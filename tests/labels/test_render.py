"""The label files: SVG and PNG, zh and en, the QR code, the embedded token, and who may
download a certificate's label."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from tanji.accounts.policy import Actor
from tanji.core.errors import Conflict, NotFound
from tanji.core.i18n import current_language
from tanji.labels import render, signing
from tanji.labels.models import Certificate, CertificateStatus
from tanji.labels.qr import qr_matrix, svg_path, verification_url
from tests.labels.certificates import certificate, organisation

BASE = "https://tanji.example.cn"
NOW = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def labelled(session: Session) -> tuple[Certificate, str, object]:
    certifier = organisation(session, "certifier", name="示例认证中心")
    made = certificate(session, certifier=certifier, value=650.3123, grade="2")
    token = signing.issue_label_token(session, certificate=made, issuer=BASE, now=NOW)
    return made, token, certifier


def decode(image: Image.Image) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    return [found.text for found in zxingcpp.read_barcodes(image)]


def raster_of_path(d: str, size: int, scale: int = 4) -> Image.Image:
    """Draw an SVG path of horizontal module runs (as qr.svg_path writes them)."""
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", d):
        x0, y0 = int(x) * scale, int(y) * scale
        draw.rectangle((x0, y0, x0 + int(width) * scale - 1, y0 + scale - 1), fill=0)
    return image


class TestQr:
    def test_the_path_draws_exactly_the_dark_modules(self) -> None:
        matrix = qr_matrix("https://tanji.example.cn/v/abc")
        d = svg_path(matrix)
        image = raster_of_path(d, len(matrix), scale=1)
        redrawn = [
            [image.getpixel((x, y)) == 0 for x in range(len(matrix))] for y in range(len(matrix))
        ]
        assert redrawn == matrix

    def test_the_quiet_zone_is_white(self) -> None:
        matrix = qr_matrix("x")
        assert not any(matrix[0]) and not any(row[0] for row in matrix)

    def test_the_url(self) -> None:
        assert verification_url(BASE + "/", "a.b.c") == f"{BASE}/v/a.b.c"


class TestSvg:
    def svg(self, labelled, language: str = "en") -> tuple[str, ElementTree.Element]:
        made, token, certifier = labelled
        text = render.label_svg(made, token, base_url=BASE, language=language, certifier=certifier)
        return text, ElementTree.fromstring(text)

    def test_well_formed_and_carries_the_token(self, labelled) -> None:
        _made, token, _certifier = labelled
        text, root = self.svg(labelled)
        assert root.tag == f"{SVG}svg" and root.get("data-token") == token
        assert root.find(f".//{{{render.TANJI_NS}}}token").text == token
        assert render.token_from_svg(text) == token

    def test_the_facts_are_printed(self, labelled) -> None:
        made, _token, _certifier = labelled
        text, root = self.svg(labelled)
        words = " ".join(root.itertext())
        for expected in (
            "650.3",
            "kg CO2e / 1 t",
            "Grade 2",
            f"Certificate No. {made.number}",
            "Certified by 示例认证中心",
            "Valid 2026-03-01 to 2028-02-29",
            "Carbon footprint",
            "碳足迹",
            made.product_name_en,
            "Scan to verify at tanji.example.cn",
        ):
            assert expected in words, expected
        assert 'fill="#0b7a3e"' in text  # green, like the national label

    def test_zh_names_the_product_in_chinese(self, labelled) -> None:
        made, _token, _certifier = labelled
        _text, root = self.svg(labelled, "zh_CN")
        words = [t for t in root.itertext() if t.strip()]
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
        assert made.product_name_zh in " ".join(words) and made.product_name_en not in words
        marks = [w for w in words if w in ("碳足迹", "Carbon footprint")]
        assert marks == ["碳足迹", "Carbon footprint"]  # Chinese first on the zh label
        assert current_language() == "en"  # rendering put the language back

    def test_en_puts_english_first(self, labelled) -> None:
        _text, root = self.svg(labelled, "en")
        marks = [w for w in root.itertext() if w in ("碳足迹", "Carbon footprint")]
        assert marks == ["Carbon footprint", "碳足迹"]

    def test_the_qr_code_opens_the_verification_page(self, labelled) -> None:
        _made, token, _certifier = labelled
        _text, root = self.svg(labelled)
        path = next(p for p in root.iter(f"{SVG}path") if "scale(" in (p.get("transform") or ""))
        size = len(qr_matrix(verification_url(BASE, token)))
        assert decode(raster_of_path(path.get("d"), size)) == [f"{BASE}/v/{token}"]

    def test_text_is_escaped(self, session: Session) -> None:
        made = certificate(session, name_en='Cement <b>"A&B"</b>', grade=None)
        token = signing.issue_label_token(session, certificate=made, issuer=BASE, now=NOW)
        text = render.label_svg(made, token, base_url=BASE, language="en")
        root = ElementTree.fromstring(text)
        assert 'Cement <b>"A&B"</b>' in " ".join(root.itertext())
        assert "Grade" not in text  # no grade, no grade line
        assert "<b>" not in text

    def test_long_names_are_cut_to_two_lines(self, session: Session) -> None:
        made = certificate(session, name_en="Portland cement " * 12)
        token = signing.issue_label_token(session, certificate=made, issuer=BASE, now=NOW)
        root = ElementTree.fromstring(render.label_svg(made, token, base_url=BASE, language="en"))
        lines = [t for t in root.itertext() if t.startswith("Portland") or t.startswith("cement")]
        assert len(lines) == 2 and lines[-1].endswith("…")

    def test_without_the_certifier_the_slug_of_the_token_is_named(self, labelled) -> None:
        made, token, certifier = labelled
        text = render.label_svg(made, token, base_url=BASE, language="en")
        assert f"Certified by {certifier.slug}" in text


class TestPng:
    def png(self, labelled, language: str = "en") -> bytes:
        made, token, certifier = labelled
        return render.label_png(made, token, base_url=BASE, language=language, certifier=certifier)

    def test_a_png_with_the_token_in_a_text_chunk(self, labelled) -> None:
        _made, token, _certifier = labelled
        data = self.png(labelled)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"tEXt" + b"tanji-token\x00" + token.encode() in data
        assert render.token_from_png(data) == token
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (1200, 680)

    @pytest.mark.parametrize("language", ["zh_CN", "en"])
    def test_the_qr_code_decodes_to_the_verification_url(self, labelled, language: str) -> None:
        _made, token, _certifier = labelled
        with Image.open(io.BytesIO(self.png(labelled, language))) as image:
            assert decode(image) == [f"{BASE}/v/{token}"]

    def test_zh_and_en_differ(self, labelled) -> None:
        assert self.png(labelled, "zh_CN") != self.png(labelled, "en")

    def test_not_a_png_has_no_token(self) -> None:
        assert render.token_from_png(b"GIF89a nothing") is None

    def test_a_missing_font_is_a_clear_error(self, labelled, monkeypatch, tmp_path) -> None:
        monkeypatch.setattr(render, "_fc_match", lambda pattern: None)
        monkeypatch.setattr(render, "FONT_DIRS", (tmp_path,))
        render.font_files.cache_clear()
        try:
            with pytest.raises(render.LabelFontMissing, match="fonts-noto-cjk"):
                self.png(labelled)
        finally:
            render.font_files.cache_clear()

    def test_the_font_is_found_without_fontconfig(self, monkeypatch) -> None:
        monkeypatch.setattr(render, "_fc_match", lambda pattern: None)
        render.font_files.cache_clear()
        try:
            (regular, index), (bold, _bold_index) = render.font_files()
        finally:
            render.font_files.cache_clear()
        assert "NotoSansCJK-Regular" in regular and index == 2 and "Bold" in bold


class TestDownload:
    def actor(self, organisation_id: uuid.UUID, kind: str, role: str) -> Actor:
        return Actor(organisation_id=organisation_id, organisation_kind=kind, role=role, name="t")

    def test_the_holder_and_the_certifier_get_the_current_label(self, session: Session) -> None:
        made = certificate(session)
        holder = self.actor(made.organisation_id, "enterprise", "viewer")
        got = render.label_for_download(
            session, actor=holder, number=made.number, issuer=BASE, now=NOW
        )
        assert got.certificate is made and got.certifier is not None
        first = made.label_token_id
        assert first and signing.decode_unverified(got.token)[1]["jti"] == first
        verifier = self.actor(made.certifier_id, "certifier", "verifier")
        again = render.label_for_download(
            session, actor=verifier, number=made.number, issuer=BASE, now=NOW
        )
        assert signing.decode_unverified(again.token)[1]["jti"] == first  # the same label

    @pytest.mark.parametrize(
        ("kind", "role"), [("enterprise", "manager"), ("regulator", "officer"), ("bank", "analyst")]
    )
    def test_others_are_told_it_does_not_exist(
        self, session: Session, kind: str, role: str
    ) -> None:
        made = certificate(session)
        stranger = self.actor(uuid.uuid4(), kind, role)
        with pytest.raises(NotFound):
            render.label_for_download(session, actor=stranger, number=made.number, issuer=BASE)

    def test_a_certifier_role_of_the_holder_does_not_count(self, session: Session) -> None:
        made = certificate(session)
        odd = self.actor(made.organisation_id, "certifier", "verifier")  # not the enterprise
        with pytest.raises(NotFound):
            render.label_for_download(session, actor=odd, number=made.number, issuer=BASE)

    @pytest.mark.parametrize("status", [CertificateStatus.SUSPENDED, CertificateStatus.WITHDRAWN])
    def test_no_label_for_a_certificate_that_is_not_valid(
        self, session: Session, status: str
    ) -> None:
        made = certificate(session, status=status)
        holder = self.actor(made.organisation_id, "enterprise", "manager")
        with pytest.raises(Conflict, match=status):
            render.label_for_download(
                session, actor=holder, number=made.number, issuer=BASE, now=NOW
            )
