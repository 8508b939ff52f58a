"""The channel registry: one order (the model's channel codes), paid versus organic, labels."""

from __future__ import annotations

from sim.config.channels import (NON_TIER_CHANNELS, ORGANIC_CHANNELS, channel_label,
                                 channel_names, channels, is_organic, paid_channel_names)
from sim.config.scenario import load_scenario
from sim.engine.model import SocialCommerceModel


def test_model_uses_the_registry_order():
    scn = load_scenario("platform_diversified", {"run.consumers": 300, "run.days": 2})
    model = SocialCommerceModel(scn, seed=1)
    tiers = list(scn.influencers)
    assert model.channels == [*tiers, "ads", "community", "coupons", "wom", "ugc", "search"]
    assert model.channels == channel_names(tiers)
    assert model.spend_channels == paid_channel_names(tiers)
    assert list(model.channel_code.values()) == list(range(len(model.channels)))


def test_paid_and_organic_channels():
    chans = channels(["head", "tail"])
    assert [c.name for c in chans if c.paid] == ["head", "tail", *NON_TIER_CHANNELS]
    assert [c.name for c in chans if not c.paid] == list(ORGANIC_CHANNELS) == ["wom", "ugc"]
    assert all(is_organic(c.name) != c.paid for c in chans)
    assert [c.kind for c in chans] == ["tier", "tier", "ads", "community", "coupons", "organic",
                                       "organic", "search"]


def test_booked_spend_is_reported_for_paid_channels_only():
    scn = load_scenario("baseline", {"run.consumers": 400, "run.days": 3})
    model = SocialCommerceModel(scn, seed=2)
    for _ in range(3):
        model.step()
    spend = model.spend_by_channel()
    assert list(spend) == paid_channel_names(scn.influencers)
    assert sum(spend.values()) > 0 and not set(spend) & set(ORGANIC_CHANNELS)


def test_labels():
    assert channel_label("ads") == "paid ads" and channel_label("tail") == "tail KOL / KOC"
    assert channel_label("ugc") == "buyer posts (UGC)"
    assert channel_label("notes_tail") == "notes_tail"  # an unknown tier shows its name
