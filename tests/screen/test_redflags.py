"""Red flags: each flag fires on its pattern, names its source, and only ever says review."""

from __future__ import annotations

from datetime import date

from sekisho.model import Outcome
from sekisho.screen.policy import Policy
from sekisho.screen.redflags import RedFlagChecker, address_key
from sekisho.screen.txinput import transaction_from_dict

POLICY = Policy.default()


def tx(parties, items=None, **kw):
    return transaction_from_dict({
        "id": "t", "exporter": {"name": "Exporter KK", "country": "JP"}, "parties": parties,
        "items": items or [{"description": "laptop", "eccn": "EAR99"}], "end_use": "office IT", **kw})


def codes(t, history=None):
    reasons = RedFlagChecker(POLICY).check(t, history, date(2026, 11, 22))
    assert all(r.outcome is Outcome.REVIEW and r.rule for r in reasons)
    return [r.code for r in reasons]


CLEAN = {"role": "end_user", "name": "Osaka Robotics KK", "country": "JP", "address": "1-1 Umeda, Osaka"}


def test_clean_transaction_has_no_flags():
    assert codes(tx([CLEAN])) == []


def test_forwarder_by_kind_and_by_name():
    assert "FORWARDER_AS_END_USER" in codes(tx([{**CLEAN, "kind": "forwarder"}]))
    assert "FORWARDER_AS_END_USER" in codes(tx([{**CLEAN, "name": "Speedy Cargo Express Ltd"}]))
    assert "FORWARDER_AS_END_USER" in codes(tx([{**CLEAN, "name": "深圳市华通物流有限公司", "country": "CN"}]))
    # "Trading" inside another word does not count
    assert "FORWARDER_AS_END_USER" not in codes(tx([{**CLEAN, "name": "Tradingham Robotics"}]))


def test_residential_and_po_box():
    assert "RESIDENTIAL_ADDRESS" in codes(tx([{**CLEAN, "address": "P.O. Box 1234, Dubai"}]))
    assert "RESIDENTIAL_ADDRESS" in codes(tx([{**CLEAN, "address": "Flat 3, 10 High St"}]))


class FakeHistory:
    """History answers as the records would give them (a plain object, not a mock of ours)."""

    def __init__(self, at_address=0, qty=None):
        self.at_address, self.qty = at_address, qty

    def parties_at_address(self, key):
        return self.at_address

    def max_quantity(self, party, cls):
        return self.qty


def test_shared_address_in_transaction_and_in_history():
    other = {**CLEAN, "role": "buyer", "name": "Kansai Holdings KK"}
    assert "SHARED_ADDRESS" in codes(tx([CLEAN, other]))
    assert "SHARED_ADDRESS" in codes(tx([CLEAN]), FakeHistory(at_address=5))
    assert "SHARED_ADDRESS" not in codes(tx([CLEAN]), FakeHistory(at_address=1))


def test_transshipment_hub_depends_on_item_class():
    chip = [{"description": "AI IC", "eccn": "3A090.a", "tpp": 5000, "unit_value": 20000}]
    assert "TRANSSHIPMENT_ROUTE" in codes(tx([CLEAN], chip, route=["SG"]))
    assert "TRANSSHIPMENT_ROUTE" not in codes(tx([CLEAN], route=["SG"]))  # laptops via SG


def test_payment_mismatch_and_third_country_forwarder():
    assert "PAYMENT_COUNTRY_MISMATCH" in codes(tx([CLEAN], payment_origin="HK"))
    assert "PAYMENT_COUNTRY_MISMATCH" not in codes(tx([CLEAN], payment_origin="JP"))
    fwd = {"role": "forwarder", "name": "Any Forwarder", "country": "KZ"}
    assert "ABNORMAL_ROUTE" in codes(tx([CLEAN, fwd]))


def test_low_value_uses_currency():
    cheap = [{"description": "AI IC", "eccn": "3A090.a", "unit_value": 100000, "currency": "JPY"}]
    assert "LOW_UNIT_VALUE" in codes(tx([CLEAN], cheap))  # ~670 USD
    fair = [{"description": "AI IC", "eccn": "3A090.a", "unit_value": 4000000, "currency": "JPY"}]
    assert "LOW_UNIT_VALUE" not in codes(tx([CLEAN], fair))


def test_quantity_by_business_and_by_history():
    chips = [{"description": "GPU board", "eccn": "4A090.a", "quantity": 40, "unit_value": 30000}]
    assert "QUANTITY_UNUSUAL" in codes(tx([{**CLEAN, "kind": "individual"}], chips))
    assert "QUANTITY_UNUSUAL" not in codes(tx([{**CLEAN, "kind": "university"}], chips))
    assert "QUANTITY_UNUSUAL" in codes(tx([CLEAN], chips), FakeHistory(qty=2))


def test_recent_registration_and_end_use():
    assert "RECENTLY_REGISTERED" in codes(tx([{**CLEAN, "registered_on": "2026-09-01"}]))
    assert "RECENTLY_REGISTERED" not in codes(tx([{**CLEAN, "registered_on": "2019-09-01"}]))
    assert "END_USE_MISSING" in codes(tx([CLEAN], end_use="General"))
    assert "END_USE_MISSING" in codes(tx([CLEAN], end_use=None))


def test_address_key():
    assert address_key("1-1, Umeda  OSAKA.") == address_key("1 1 umeda osaka")
    assert address_key("  ") is None
