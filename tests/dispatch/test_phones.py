"""Phone numbers in any Indonesian form come out as E.164; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.errors import DomainError
from dispatch.phones import normalise_phone

#: Prefixes of Indonesian mobile operators (Telkomsel, Indosat, XL, Axis, Smartfren, Tri).
MOBILE_PREFIXES = (
    "811", "812", "813", "821", "822", "823", "851", "852", "853",
    "814", "815", "816", "855", "856", "857", "858",
    "817", "818", "819", "859", "877", "878",
    "831", "832", "833", "838",
    "881", "882", "883", "884", "885", "886", "887", "888", "889",
    "895", "896", "897", "898", "899",
)  # fmt: skip

SEPARATORS = st.sampled_from(["", " ", "-", ".", "  ", " - "])


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    """A national significant number of an Indonesian mobile: prefix and 7 to 9 digits."""
    prefix = draw(st.sampled_from(MOBILE_PREFIXES))
    rest = draw(st.text(alphabet="0123456789", min_size=7, max_size=9))
    return prefix + rest


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """``digits`` cut into groups joined by random separators."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    parts = [groups[0]]
    for group in groups[1:]:
        parts.append(draw(SEPARATORS) + group)
    return "".join(parts)


@given(national=mobile_numbers(), form=st.sampled_from(["0", "+62", "62"]), data=st.data())
def test_every_written_form_of_a_mobile_gives_one_e164(
    national: str, form: str, data: st.DataObject
) -> None:
    """0812..., +62 812... and 62812... with any separators normalise to the same +62812..."""
    body = data.draw(written(national))
    gap = data.draw(SEPARATORS) if form == "+62" else ""
    text = form + gap + body
    assert normalise_phone(text) == "+62" + national


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("  0812 3456 7890 ", "+6281234567890"),
        ("0812.3456.7890", "+6281234567890"),
        ("+62 (0)812 3456 7890", "+6281234567890"),
        ("(0341) 551234", "+62341551234"),
        ("0341-551234", "+62341551234"),
        ("+62 341 551234", "+62341551234"),
    ],
)
def test_written_forms_normalise(text: str, expected: str) -> None:
    """Common mobile and Malang landline forms normalise to E.164."""
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "0812-34",
        "0812-3456-7890-1234-5678",
        "+1 650 253 0000",
        "+44 20 7946 0958",
        "0812-CALL-NOW",
        "0800 1234567",
        "hubungi saya",
    ],
)
def test_invalid_or_foreign_numbers_are_refused(text: str | None) -> None:
    """Too short, too long, foreign, lettered and toll-free numbers are refused on ``phone``."""
    with pytest.raises(DomainError) as caught:
        normalise_phone(text)
    assert caught.value.code == "order.invalid_phone"
    assert caught.value.field == "phone"


def test_refusal_quotes_the_number_and_shows_how_to_write_it() -> None:
    """The Indonesian message quotes the input and gives the two accepted forms."""
    with pytest.raises(DomainError) as caught:
        normalise_phone("0812-34")
    assert str(caught.value) == (
        'Nomor telepon "0812-34" tidak valid: tulis seperti 0812-3456-7890 atau +62 812-3456-7890.'
    )
    assert caught.value.message("en").startswith('Phone number "0812-34" is not valid')
