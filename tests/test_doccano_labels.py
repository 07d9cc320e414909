"""The label colours (Doccano project, show --html) are readable on a white page."""

import pytest

from pipeline.review.palette import LABEL_STYLE, RELATION_TYPES


def contrast_with_white(colour: str) -> float:
    """WCAG 2 contrast ratio of ``colour`` (#rrggbb) against white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_the_contrast_check_agrees_with_known_values():
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#dcbeff") < 3  # the old PERCENT colour that annotators could barely see


@pytest.mark.parametrize(
    "label, colour", [(label, style[0]) for label, style in LABEL_STYLE.items()] + list(RELATION_TYPES.items())
)
def test_every_label_colour_has_text_contrast_with_white(label, colour):
    # 4.5:1 is WCAG AA for text: the label's chip (white text on the colour) and the underline on the page
    assert contrast_with_white(colour) >= 4.5, f"{label} {colour}"


def test_colours_and_shortcuts_tell_the_labels_apart():
    colours = [style[0] for style in LABEL_STYLE.values()] + list(RELATION_TYPES.values())
    assert len(set(colours)) == len(colours)
    keys = [(style[1], style[2]) for style in LABEL_STYLE.values()]
    assert len(set(keys)) == len(keys)
