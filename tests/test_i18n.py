"""The gettext catalogues: they compile, cover every message in zh_CN and match the source.

A string added to the code without running the catalogue tools fails here, with the
commands to run. The ``.mo`` files are build products, so the fixture compiles them first.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from tanji.cli.app import create_app
from tanji.core.i18n import DOMAIN, LANGUAGES, N_, _, ngettext, reload_catalogues, set_language
from tanji.core.quality import level_label
from tanji.tools import catalogues

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module", autouse=True)
def compiled() -> Iterator[None]:
    """Compile the catalogues into place and make the running process read them afresh."""
    catalogues.compile_catalogues()
    reload_catalogues()
    yield
    reload_catalogues()


def msgids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


class TestCatalogues:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_every_language_has_a_po_and_a_compiled_mo(self, language: str) -> None:
        assert catalogues.po_path(language).exists()
        with catalogues.mo_path(language).open("rb") as handle:
            assert gettext.GNUTranslations(handle).info()["language"] == language

    def test_compile_is_idempotent(self) -> None:
        assert catalogues.compile_catalogues() == []

    def test_template_is_up_to_date_with_the_source(self, tmp_path: Path) -> None:
        fresh = tmp_path / f"{DOMAIN}.pot"
        assert catalogues.main(["extract", "--output", str(fresh)]) == 0
        new = msgids(fresh) - msgids(catalogues.TEMPLATE)
        gone = msgids(catalogues.TEMPLATE) - msgids(fresh)
        assert not new and not gone, (
            f"tanji/locale/tanji.pot does not match the source: new {sorted(map(str, new))}, "
            f"removed {sorted(map(str, gone))}; {catalogues.HINT}"
        )

    def test_check_passes(self) -> None:
        problems = catalogues.check()
        assert not problems, "\n".join([*problems, catalogues.HINT])

    def test_no_marker_hides_in_an_f_string(self) -> None:
        assert catalogues.hidden_markers() == []


class TestPlaceholders:
    def test_fields_are_read_with_their_format(self) -> None:
        fields = catalogues.placeholders("Cut-off '{name}' ({share:.2%}) at {limit!r}")
        assert fields == {"{name}", "{share:.2%}", "{limit!r}"}

    def test_a_changed_or_missing_field_is_a_problem(self) -> None:
        assert catalogues.placeholder_problem(Message("{n} runs", "{n} 次")) is None
        assert catalogues.placeholder_problem(Message("{n} runs", "{count} 次"))
        assert catalogues.placeholder_problem(Message("{share:.2%}", "{share}"))
        assert catalogues.placeholder_problem(Message("{n} runs", "次数"))

    def test_a_plural_may_use_either_form_s_fields(self) -> None:
        message = Message(("one input", "{count} inputs"), ("{count} 项输入",))
        assert catalogues.placeholder_problem(message) is None


class TestLanguages:
    def test_a_message_is_chinese_then_english(self) -> None:
        set_language("zh_CN")
        assert _("Carbon footprint") == "碳足迹"
        share = _("Declared cut-offs total {share:.2%}, above the limit of {limit:.2%}.")
        expected = "已声明的取舍合计 6.20%，超过 5.00% 的总限值。"
        assert share.format(share=0.062, limit=0.05) == expected
        set_language("en")
        assert _("Carbon footprint") == "Carbon footprint"

    def test_labels_marked_with_n_are_translated_where_shown(self) -> None:
        assert N_("very good") == "very good"
        set_language("zh_CN")
        assert level_label("very-good") == "很好"
        assert ngettext("+{count} smaller input", "+{count} smaller inputs", 3) == (
            "另有 {count} 项较小输入未显示"
        )
        set_language("en")
        assert level_label("very-good") == "very good"
        assert ngettext("+{count} smaller input", "+{count} smaller inputs", 1) == (
            "+{count} smaller input"
        )

    def test_the_summary_reads_in_chinese(self) -> None:
        runner = CliRunner(env={"COLUMNS": "200"})
        model = str(EXAMPLES / "portland-cement.yaml")
        result = runner.invoke(create_app(), ["--lang", "zh_CN", "calc", model, "--mc", "50"])
        assert result.exit_code == 0, result.output
        for words in ("产品碳足迹", "声明单位", "按生命周期阶段", "生物源清除", "蒙特卡洛"):
            assert words in result.output
        for words in ("Carbon footprint", "By gas", "Data quality", "Supply chain"):
            assert words not in result.output
