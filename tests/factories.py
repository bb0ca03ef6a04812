"""factory_boy factories for the domain model."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from socialcare.accounts.models import AgentProfile, Team
from socialcare.channels.models import ChannelAccount
from socialcare.core.models import Brand
from socialcare.crm.models import Customer, Identity
from socialcare.inbox.models import Message, Ticket


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class ChannelAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelAccount

    brand = factory.SubFactory(BrandFactory)
    kind = "sandbox"
    display_name = factory.Sequence(lambda n: f"Sandbox {n}")
    external_id = "brand_account"
    handle = "brand"
    webhook_secret = "s3cret-webhook"
    credentials = factory.LazyFunction(lambda: {"api_token": "sandbox-token"})
    api_base_url = "http://127.0.0.1:9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    password = factory.django.Password("pw-12345678")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentProfile

    user = factory.SubFactory(UserFactory)
    role = "agent"
    languages = factory.LazyFunction(lambda: ["en"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    display_name = factory.Sequence(lambda n: f"Customer {n}")


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    customer = factory.SubFactory(CustomerFactory)
    channel_account = factory.SubFactory(ChannelAccountFactory)
    external_user_id = factory.Sequence(lambda n: f"u{n}")
    handle = factory.Sequence(lambda n: f"user{n}")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    channel_account = factory.SubFactory(ChannelAccountFactory)
    brand = factory.LazyAttribute(lambda o: o.channel_account.brand)
    customer = factory.SubFactory(CustomerFactory)
    subject = "Where is my order?"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    channel_account = factory.LazyAttribute(lambda o: o.ticket.channel_account)
    direction = "in"
    visibility = "public"
    kind = "mention"
    external_id = factory.Sequence(lambda n: f"m{n}")
    text = "Where is my order?"
    occurred_at = factory.LazyFunction(timezone.now)
