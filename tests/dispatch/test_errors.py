"""Domain errors: stable codes, the field at fault, messages in Indonesian and English."""

from __future__ import annotations

import pytest

from dispatch.errors import DomainError, ValidationErrors


def test_str_is_the_indonesian_message() -> None:
    """``str(error)`` is the Indonesian message; English is there on request."""
    error = DomainError("order.invalid_weight", field="weight_kg", params={"value": "0"})
    assert str(error) == error.message() == error.message("id")
    assert str(error).startswith('Berat "0" tidak valid')
    assert error.message("en").startswith('Weight "0" is not valid')


def test_error_as_api_body() -> None:
    """The API body carries code, message and field."""
    error = DomainError("order.required", field="phone")
    assert error.as_dict() == {
        "code": "order.required",
        "message": 'Nomor telepon wajib diisi (kolom "phone").',
        "field": "phone",
    }
    assert error.as_dict("en")["message"] == 'Phone number is required (column "phone").'


def test_long_input_is_cut_in_the_message() -> None:
    """A long pasted value is shortened in the message but kept whole in ``params``."""
    value = "0812" * 50
    error = DomainError("order.invalid_phone", field="phone", params={"value": value})
    assert len(str(error)) < 160
    assert error.params["value"] == value


def test_unknown_code_still_gives_a_message() -> None:
    """A code without a template falls back to a generic message naming the code."""
    assert str(DomainError("order.something_new")) == "Data tidak valid (order.something_new)."


def test_validation_errors_carry_each_error() -> None:
    """Several errors travel together, each with its own field and message."""
    errors = [
        DomainError("order.required", field="market"),
        DomainError("order.invalid_phone", field="phone", params={"value": "1"}),
    ]
    combined = ValidationErrors(errors)
    assert isinstance(combined, DomainError)
    assert combined.errors == errors
    assert combined.fields == ["market", "phone"]
    assert str(combined) == (
        'Pesanan ditolak, 2 kesalahan: Pasar wajib diisi (kolom "market"). '
        'Nomor telepon "1" tidak valid: tulis seperti 0812-3456-7890 atau +62 812-3456-7890.'
    )


def test_validation_errors_need_an_error() -> None:
    """An empty list is a programming error, not a refusal."""
    with pytest.raises(ValueError, match="at least one"):
        ValidationErrors([])
