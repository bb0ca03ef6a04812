"""Helpers shared by the Meta connectors (Facebook Pages, Messenger, Instagram, Threads, WhatsApp)."""
