"""Password hashing and the rules for a new password."""

from __future__ import annotations

import pytest

from workflows.passwords import MAX_LENGTH, hash_password, password_problem, verify_password

STRONG = "plum-harbour-violin-42"
PASSPHRASE_64 = "the quiet lighthouse keeper paints violet kites every thursday!!"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(STRONG)


def test_a_hash_verifies_its_own_password(stored: str) -> None:
    assert verify_password(stored, STRONG) is True


def test_the_hash_is_argon2id_and_not_the_password(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert STRONG not in stored


def test_the_same_password_hashes_differently_each_time(stored: str) -> None:
    # A fresh salt each time: equal passwords do not show up as equal hashes.
    again = hash_password(STRONG)
    assert again != stored
    assert verify_password(again, STRONG) is True


@pytest.mark.parametrize("attempt", ["plum-harbour-violin-43", "PLUM-HARBOUR-VIOLIN-42", STRONG + " ", ""])
def test_a_wrong_password_does_not_verify(stored: str, attempt: str) -> None:
    assert verify_password(stored, attempt) is False


def test_there_is_nothing_to_verify_against_without_a_hash() -> None:
    assert verify_password(None, STRONG) is False
    # Not even the password of the hash it checks against to take the same time.
    assert verify_password(None, "not a real password, used to even out timing") is False


def test_a_malformed_hash_does_not_verify() -> None:
    assert verify_password("not-a-hash", STRONG) is False


def test_eleven_characters_are_too_few() -> None:
    problem = password_problem("plum-harbou")
    assert problem is not None
    assert "12 characters or more" in problem


def test_a_strong_password_of_twelve_or_more_is_accepted() -> None:
    assert password_problem("Tr0ub4dor&3x") is None
    assert password_problem(STRONG) is None


def test_a_64_character_passphrase_is_accepted() -> None:
    assert len(PASSPHRASE_64) == 64
    assert password_problem(PASSPHRASE_64) is None


@pytest.mark.parametrize("weak", ["password1234", "qwertyuiop12", "aaaaaaaaaaaaaaaa", "123456789012"])
def test_a_common_or_patterned_password_is_refused(weak: str) -> None:
    problem = password_problem(weak)
    assert problem is not None
    assert "too easy to guess" in problem


def test_a_password_made_of_the_users_own_email_is_refused() -> None:
    email = "margaret.oyelaran@camden.gov.uk"
    # Strong-looking on its own ...
    assert password_problem(email) is None
    # ... but not for the person whose email it is.
    problem = password_problem(email, user_inputs=[email, "Margaret Oyelaran"])
    assert problem is not None
    assert problem == "Password must not be based on your name or email address"


def test_empty_user_inputs_are_ignored() -> None:
    assert password_problem(STRONG, user_inputs=["", "Margaret Oyelaran"]) is None


def test_more_than_128_characters_are_refused() -> None:
    assert password_problem("x" * (MAX_LENGTH + 1)) == f"Password must be {MAX_LENGTH} characters or fewer"
    assert password_problem(PASSPHRASE_64 * 3) is not None  # 192 characters


def test_a_long_passphrase_within_the_limit_is_judged_not_an_error() -> None:
    """The strength estimator refuses input over 72 characters; longer passwords must still work."""
    passphrase = PASSPHRASE_64 + " and sings loudly"  # 81 characters: allowed by MAX_LENGTH
    assert len(passphrase) <= MAX_LENGTH
    assert password_problem(passphrase) is None
    assert password_problem("z" * MAX_LENGTH) is not None  # 128 characters of one letter: judged, refused


def test_parts_of_the_users_own_email_address_are_refused() -> None:
    assert password_problem("margaret.oyelaran", user_inputs=["margaret.oyelaran@camden.gov.uk"]) is not None
    assert (
        password_problem("MargaretOyelaran2026", user_inputs=["margaret.oyelaran@camden.gov.uk", "Margaret Oyelaran"])
        is not None
    )
