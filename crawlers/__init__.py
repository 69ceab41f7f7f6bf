"""The crawl stage: sources (feeds, listing pages) -> fetched pages -> Article records in the store."""
