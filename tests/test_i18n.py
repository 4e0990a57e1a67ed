"""Every user-visible string has a zh-hans translation (Chinese is the default language)."""

import shutil

from jiancha.messages import PACKAGE, make_all, untranslated


def test_every_string_has_a_chinese_translation(tmp_path):
    # Work on a copy: extraction rewrites catalogs, and the check must see strings that were added
    # to the code without anyone running makemessages.
    copy = tmp_path / "jiancha"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    problems = untranslated(make_all(copy))
    listing = "\n".join(f"{p.catalog.relative_to(tmp_path)}: {p.reason}: {p.msgid!r}" for p in problems)
    assert not problems, (
        f"{len(problems)} untranslated string(s); run `make messages` and translate:\n{listing}"
    )


def test_the_check_catches_an_untranslated_string(tmp_path):
    copy = tmp_path / "jiancha"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    view = copy / "access" / "views.py"
    view.write_text(view.read_text() + '\n\nPROBE = _("A string nobody translated")\n')
    problems = untranslated(make_all(copy))
    caught = [p for p in problems if p.msgid == "A string nobody translated"]
    assert len(caught) == 1 and caught[0].catalog.parent.parent.parent.parent.name == "access"
