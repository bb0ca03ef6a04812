"""``socialcare replay``: play recorded customer-care conversations into an X channel account."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.x.adapter import consumer_secret
from socialcare.channels.models import ChannelAccount
from socialcare.channels.replay.plan import build_deliveries, select
from socialcare.channels.replay.runner import Replayer, http_transport
from socialcare.channels.replay.sources import read_records


class Command(BaseCommand):
    help = ("Replay recorded conversations (twcs CSV or IBM customer-care JSON) as signed X Account Activity "
            "webhook deliveries to a running Socialcare. Brand replies arrive as the brand's own posts.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", required=True, help="path of the recorded data")
        parser.add_argument("--format", choices=["twcs", "ibm"], default="twcs")
        parser.add_argument("--account", type=int, required=True, help="id of the X channel account")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of Socialcare")
        parser.add_argument("--speedup", type=float, default=0.0,
                            help="divide recorded gaps by this factor (0: send as fast as possible)")
        parser.add_argument("--max-gap", type=float, default=5.0, help="never wait longer than this (seconds)")
        parser.add_argument("--limit", type=int, default=None, help="replay at most this many reply chains")
        parser.add_argument("--brand", default="", help="only chains this brand handle answers in")
        parser.add_argument("--batch", type=int, default=1, help="posts per delivery")

    def handle(self, *args: Any, **options: Any) -> None:
        account = ChannelAccount.objects.filter(pk=options["account"]).first()
        if account is None or account.kind != "x":
            raise CommandError(f"no X channel account with id {options['account']}")
        info = account_info(account)
        secret = consumer_secret(info)
        if not secret or not info.external_id:
            raise CommandError("the account needs credentials.consumer_secret and external_id (the brand's user id)")
        try:
            records = read_records(options["file"], options["format"])
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        records = select(records, brand=options["brand"], limit=options["limit"])
        deliveries = build_deliveries(records, brand_user_id=info.external_id,
                                      brand_handle=info.handle or "brand", batch=options["batch"])
        url = f"{options['url'].rstrip('/')}/hooks/x/{account.pk}"
        replayer = Replayer(transport=http_transport(url), consumer_secret=secret, speedup=options["speedup"],
                            max_gap=options["max_gap"])
        self.stdout.write(f"Replaying {len(records)} posts in {len(deliveries)} deliveries to {url}")
        replayer.run(deliveries)
        self.stdout.write(self.style.SUCCESS(f"{replayer.sent} deliveries accepted, {len(replayer.failed)} refused"))
        for post_ids, status in replayer.failed[:10]:
            self.stdout.write(f"  refused ({status}): posts {', '.join(post_ids)}")
        if replayer.failed:
            raise CommandError("some deliveries were refused")
