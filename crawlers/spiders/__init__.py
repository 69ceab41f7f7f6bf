"""Scrapy spiders: thin adapters that turn sources into requests and responses into items."""
