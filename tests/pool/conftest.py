import pytest


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here; test_i18n checks the Chinese catalogue on its own."""
    from django.utils import translation

    with translation.override("en"):
        yield
