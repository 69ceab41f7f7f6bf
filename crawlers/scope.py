"""What a source may fetch: its own site and the hosts it declares, never an internal address unless it says so.

A feed or a listing page is written by someone else; without a fence, a link (or a redirect) to
`http://localhost:8080/admin` or `http://169.254.169.254/` would be fetched and stored as an article. The
rules, checked for every request by crawlers.middlewares.ScopeMiddleware (redirects included: each new target
is a new request) and, for the address a host name resolves to, by crawlers.resolver.GuardedResolver:

- only http and https;
- the host is the source's own (the host of its `url`, with or without `www.`) or one of its
  `allowed_hosts`, or a subdomain of one of them; on the default ports (80, 443) or its URL's port, or,
  for a declared host that names one ('example.org:8080'), on that port only;
- the address connected to is a public one: loopback, private, link-local (cloud metadata), shared, reserved
  and multicast addresses are refused unless the source has `allow_private_addresses: true`, and then only
  for its own and declared hosts.

Pure functions over the config: no I/O here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from onrecord.core.config import Config, SourceConfig

SCHEMES = ("http", "https")


class Refused(Exception):
    """A fetch the source may not make; the message is the one-line reason recorded in `fetches`."""


def url_host(url: str) -> str:
    """The URL's host, lower case, without brackets or a trailing dot; ValueError when the URL has none."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if not host:
        raise ValueError("no host")
    return host


def _base(host: str) -> str:
    return host.removeprefix("www.")


def source_sites(source: SourceConfig) -> list[tuple[str, frozenset[int]]]:
    """(host, ports) a source may reach, each host with its subdomains: its own host on the default ports and its
    URL's port, then each declared host on the default ports or on the port it names."""
    own_port = urlsplit(source.url).port
    sites = [(_base(url_host(source.url)), frozenset({80, 443, *([own_port] if own_port else [])}))]
    for entry in source.allowed_hosts:
        host, port = _split_port(entry)
        sites.append((host, frozenset({port}) if port else frozenset({80, 443})))
    return sites


def source_hosts(source: SourceConfig) -> list[str]:
    """The hosts a source may reach (each with its subdomains): its own and those it declares."""
    return list(dict.fromkeys(host for host, _ in source_sites(source)))


def _split_port(entry: str) -> tuple[str, int | None]:
    """'example.org:8080' -> ('example.org', 8080); '[::1]:81' -> ('::1', 81); no port -> None."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, _, port = entry.partition(":")
    return host, int(port) if port.isdigit() else None


def host_in(host: str, hosts: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)


def address_kind(address: str) -> str | None:
    """What makes an IP address internal ('loopback', 'private', 'link-local' ...), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local (cloud metadata)", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def check_request(url: str, source: SourceConfig) -> None:
    """Raise Refused with the reason when `source` may not fetch `url` (scheme, host, literal address)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise Refused(f"refused: a {scheme or 'schemeless'}: URL (only http and https are fetched)")
    try:
        host = url_host(url)
    except ValueError as exc:
        raise Refused(f"refused: not a usable URL ({exc})") from None
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise Refused(f"refused: not a usable URL ({exc})") from None
    sites = source_sites(source)
    if not any(host_in(host, [site]) and port in ports for site, ports in sites):
        if any(host_in(host, [site]) for site, _ in sites):
            raise Refused(
                f"refused: port {port} of {host} is not {source.id}'s site; declare '{host}:{port}' in the "
                f"source's allowed_hosts to fetch it"
            )
        raise Refused(
            f"refused: {host} is not {source.id}'s site ({', '.join(source_hosts(source))}); "
            f"declare it in the source's allowed_hosts to fetch it"
        )
    if is_ip(host) and not source.allow_private_addresses:
        kind = address_kind(host)
        if kind:
            raise Refused(f"refused: {host} is a {kind} address (the source does not set allow_private_addresses)")


def check_any_source(url: str, config: Config) -> None:
    """For a request made on no source's behalf (robots.txt and its redirects): allowed if some source may."""
    reasons = []
    for source in config.sources:
        try:
            check_request(url, source)
            return
        except Refused as exc:
            reasons.append(str(exc))
    raise Refused(reasons[0] if reasons else "refused: no source may fetch it")


def private_ok_hosts(config: Config) -> list[str]:
    """Hosts (with subdomains) that may resolve to internal addresses: those of sources that allow it."""
    hosts: list[str] = []
    for source in config.sources:
        if source.allow_private_addresses:
            hosts += source_hosts(source)
    return list(dict.fromkeys(hosts))


def check_address(host: str, address: str, private_ok: Iterable[str]) -> None:
    """Raise Refused when `host` resolved to an internal `address` and is not one of the `private_ok` hosts."""
    kind = address_kind(address)
    if kind and not host_in(host, private_ok):
        raise Refused(
            f"refused: {host} resolves to {address}, a {kind} address (the source does not set allow_private_addresses)"
        )
