"""Notification channels (email, webhooks, Slack, DingTalk, WeCom, Feishu) and deliveries."""
