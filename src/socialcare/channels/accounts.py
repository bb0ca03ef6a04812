from __future__ import annotations

from .connectors.base import AccountInfo
from .models import ChannelAccount


def account_info(account: ChannelAccount) -> AccountInfo:
    return AccountInfo(
        id=account.pk,
        kind=account.kind,
        external_id=account.external_id,
        handle=account.handle,
        credentials=dict(account.credentials or {}),
        webhook_secret=account.webhook_secret,
        api_base_url=account.api_base_url,
        settings=dict(account.settings or {}),
    )
