"""Shared by the report tests: a stdlib HTML parser that collects tags, ids and text."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlCollector(HTMLParser):
    """Collects start tags with attributes and text, and checks that div/section/table tags close."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.depth = {"div": 0, "section": 0, "table": 0}
        self.negative = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag):
        if tag in self.depth:
            self.depth[tag] -= 1
            self.negative |= self.depth[tag] < 0

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def ids(self, tag: str) -> set[str]:
        return {a["id"] for t, a in self.tags if t == tag and "id" in a}


def parse_html(page: str) -> HtmlCollector:
    """Parse a whole page."""
    collector = HtmlCollector()
    collector.feed(page)
    collector.close()
    return collector
