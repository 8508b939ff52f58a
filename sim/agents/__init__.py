"""Mesa agents: influencers and retailers (decision makers) and a consumer view."""

from .consumer import Consumer
from .influencer import Influencer
from .retailer import Retailer

__all__ = ["Consumer", "Influencer", "Retailer"]
