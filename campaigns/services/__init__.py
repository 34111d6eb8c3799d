"""Every write of campaigns: lifecycle campaigns (`lifecycle`: their states and versions,
carrying out their decisions, their schedules) and gifts and promotions by hand (`gifts`). What
a campaign decides is `campaigns.engine`'s."""

from .gifts import (
    GIFT_VALID_FOR,
    GiftError,
    NoConsentError,
    campaign_promotion_send,
    gift_accept,
    gift_return,
    gift_return_due,
    gift_send,
    gift_set_status,
)
from .lifecycle import (
    CampaignError,
    campaign_deliveries_due,
    campaign_deliveries_send,
    campaign_dry_run,
    campaign_end,
    campaign_pause,
    campaign_problems,
    campaign_resume,
    campaign_schedule_run,
    campaign_schedules_run,
    campaign_start,
    campaign_version_publish,
)

__all__ = [
    "GIFT_VALID_FOR",
    "CampaignError",
    "GiftError",
    "NoConsentError",
    "campaign_deliveries_due",
    "campaign_deliveries_send",
    "campaign_dry_run",
    "campaign_end",
    "campaign_pause",
    "campaign_problems",
    "campaign_promotion_send",
    "campaign_resume",
    "campaign_schedule_run",
    "campaign_schedules_run",
    "campaign_start",
    "campaign_version_publish",
    "gift_accept",
    "gift_return",
    "gift_return_due",
    "gift_send",
    "gift_set_status",
]
