"""Mesa agents: influencers and retailers (decision makers) and a consumer view."""

from sim.engine.agents.consumer import Consumer
from sim.engine.agents.influencer import Influencer
from sim.engine.agents.retailer import Retailer

__all__ = ["Consumer", "Influencer", "Retailer"]
