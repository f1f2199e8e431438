"""Privacy: no value below k leaves the server, nothing is derived from a suppressed count."""
from __future__ import annotations

from hypothesis import given, strategies as st

from vigie.privacy import (
    ZoneTotalRefused,
    check_zone,
    display,
    is_suppressed,
    redact_rows,
    require_zone_total,
    safe_delta,
    safe_ratio,
    suppress,
    zone_total,
)

counts = st.one_of(st.none(), st.integers(0, 10_000_000))
ks = st.integers(1, 100)


@given(counts, ks)
def test_suppress_never_returns_a_small_count(value: int | None, k: int) -> None:
    shown = suppress(value, k)
    assert shown is None or shown >= k
    assert (shown is None) == is_suppressed(value, k)


@given(counts, counts, ks)
def test_nothing_is_derived_from_a_suppressed_count(a: int | None, b: int | None, k: int) -> None:
    hidden = is_suppressed(a, k) or is_suppressed(b, k)
    assert (safe_ratio(a, b, k) is None) == hidden
    assert (safe_delta(a, b, k) is None) == hidden
    if not hidden:
        assert safe_delta(a, b, k) == a - b  # type: ignore[operator]


@given(st.lists(st.fixed_dictionaries({"present": counts, "residents": counts, "name": st.text(max_size=5)}),
                max_size=20), ks)
def test_redacted_rows_hold_no_small_count(rows: list[dict[str, object]], k: int) -> None:
    out = redact_rows(rows, ["present", "residents"], k)
    for original, clean in zip(rows, out):
        for field in ("present", "residents"):
            value = clean[field]
            assert value is None or value >= k  # type: ignore[operator]
            assert (field in clean["suppressed"]) == is_suppressed(original[field], k)  # type: ignore[arg-type]
        assert clean["name"] == original["name"]
    assert all("suppressed" not in r for r in rows), "the input rows are not modified"


@given(st.dictionaries(st.sampled_from([f"13{i:03d}" for i in range(1, 30)]), counts, max_size=10), ks)
def test_zone_total_refuses_any_suppressed_member(values: dict[str, int | None], k: int) -> None:
    total = zone_total(values, k)
    if any(is_suppressed(v, k) for v in values.values()) or not values:
        assert total is None
    else:
        assert total == sum(values.values()) and total >= k  # type: ignore[arg-type]


def test_differencing_attack_is_blocked() -> None:
    a_and_b = {"13001": 5_000, "13002": 12}
    assert zone_total({"13001": 5_000}) == 5_000
    assert zone_total(a_and_b) is None, "otherwise total - A reveals B = 12"
    check = check_zone(a_and_b)
    assert not check.allowed and check.suppressed_sectors == ("13002",)
    try:
        require_zone_total(a_and_b)
    except ZoneTotalRefused as exc:
        assert "13002" in str(exc) and "remove them from the zone" in str(exc)
    else:
        raise AssertionError("ZoneTotalRefused expected")


def test_display_texts() -> None:
    assert display(19) == "<\u00a020" and display(None, "en") == "< 20"
    assert display(12345) == "12\u00a0345" and display(12345, "en") == "12,345"
    assert display(25, k=30) == "<\u00a030"
