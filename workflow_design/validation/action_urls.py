"""UNSAFE_ACTION_URL: an actionUrl aimed at the server itself, its network or a cloud's
metadata service.

The runtime calls an action's URL from inside the service's network, so such a URL would
let a workflow author reach what only the server can (server-side request forgery). The
host is judged as written, in every form a URL parser or resolver turns into an address:
IPv4 literals as inet_aton reads them (127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1), IPv6
literals with a zone or an embedded IPv4 address, percent-encoded and full-width hosts
(WHATWG URL parsers decode them), a trailing dot. Names are not resolved: nothing a client
sends makes the server look anything up, so the runtime must check the resolved address
again (DNS can point a public name at a private address).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from urllib.parse import unquote, urlsplit

from django.conf import settings

from kernel.problems import Problem

from .problems import error, shown

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names of cloud metadata services: GCP's (short and long), AWS's, Tencent Cloud's.
_METADATA_NAMES = frozenset(
    {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal", "metadata.tencentyun.com"}
)
# Where clouds serve instance metadata and credentials: AWS, GCP, Azure, OCI (and AWS's IPv6
# endpoint), Alibaba Cloud.
_METADATA_ADDRESSES = frozenset(map(ipaddress.ip_address, ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")))
# Names no public DNS answers: `localhost` (RFC 6761), ICANN's private-use `.internal` (cloud
# internal names: metadata.google.internal, *.ec2.internal) and multicast DNS's `.local`.
_PRIVATE_NAME_SUFFIXES = (
    ("localhost", "this server"),
    ("internal", "a private network"),
    ("local", "the local network"),
)
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; ipaddress has no flag for it
# The digits of an IPv4 part by its base (WHATWG: 0x... hexadecimal, 0... octal, else decimal).
_DIGITS = {8: frozenset("01234567"), 10: frozenset("0123456789"), 16: frozenset("0123456789abcdefABCDEF")}


def check_action_url(url: str, path: str) -> list[Problem]:
    """UNSAFE_ACTION_URL when `url` (an absolute http(s) URL, checked before) points at a host
    that is not public."""
    if _private_hosts_allowed():
        return []
    parts = urlsplit(url)
    if "\\" in parts.netloc:
        # WHATWG parsers end the host at a backslash, Python's after the last "@":
        # http://127.0.0.1\@example.com/ would be judged by a host it does not call.
        return [
            error(
                "UNSAFE_ACTION_URL",
                path,
                "The actionUrl has a backslash before its path, which URL parsers read as different hosts; "
                "write the URL without it (as %5C in the path).",
            )
        ]
    why = _why_unsafe(parts.hostname or "")
    if why is None:
        return []
    return [
        error(
            "UNSAFE_ACTION_URL",
            path,
            f"The actionUrl calls {shown(parts.hostname)}, {why}: actions may only call public services. Use the "
            "public URL of the service (the setting ACTION_URLS_ALLOW_PRIVATE_HOSTS allows private hosts in "
            "local development).",
        )
    ]


def _private_hosts_allowed() -> bool:
    # The one setting the otherwise pure validator reads: a deployment decides it, not the
    # document, and passing it down through every caller of validate_workflow (API, import
    # command, previews) would thread a flag through code that never uses it.
    return bool(settings.ACTION_URLS_ALLOW_PRIVATE_HOSTS)


def _why_unsafe(hostname: str) -> str | None:
    """What makes the host not public, or None when it is (or may be: names are not resolved)."""
    host = _normalized(hostname)
    if any(ord(c) < 0x20 or c == "\x7f" for c in host):
        # A client that decodes the host into a C string stops at a NUL: 127.0.0.1%00.example.com.
        return "a host with control characters, which clients read as different hosts"
    address = _address(host)
    if address is not None:
        return _why_unsafe_address(address)
    if host in _METADATA_NAMES:
        return "a cloud metadata service"
    for suffix, reached in _PRIVATE_NAME_SUFFIXES:
        if host == suffix or host.endswith("." + suffix):
            return f"a name of {reached}"
    if "." not in host:
        return "a name without a domain, which resolves inside the server's own network"
    return None


def _normalized(hostname: str) -> str:
    """The host as a resolver receives it: percent-decoded, IDNA-mapped (full-width letters and
    dots become ASCII), without the trailing dot of an absolute name."""
    host = unquote(hostname)
    # IDNA maps only non-ASCII names (and IPv6 literals, with a zone id, are none).
    if not host.isascii() and ":" not in host:
        # A name IDNA cannot map (an empty or overlong label) is judged as written.
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host.lower().removesuffix(".")


def _address(host: str) -> _IPAddress | None:
    """The address an IP literal denotes, in any form a resolver or a WHATWG URL parser accepts;
    None for a name."""
    try:
        if ":" in host:
            return ipaddress.IPv6Address(host)  # with a zone id too
        # inet_aton reads every IPv4 form: 10.0.0.1, 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):  # ValueError: no IPv6 address, or a NUL character
        return _whatwg_ipv4(host)


def _whatwg_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address the WHATWG URL standard reads in `host`, where inet_aton reads none: it also
    takes an empty hexadecimal part ("0x" is 0), so browsers and Node read http://0x7f.0x.0x.0x1/
    as 127.0.0.1. None when the host is no such address."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # one trailing dot
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not all(c in _DIGITS[base] for c in digits) or (not digits and base == 10):
            return None
        numbers.append(int(digits, base) if digits else 0)
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _why_unsafe_address(address: _IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        # Judged by the IPv4 address it carries, the one a dual-stack socket or relay reaches.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            why = _why_unsafe_address(embedded)
            return None if why is None else f"the IPv6 address {address}, which carries {why}"
    if address in _METADATA_ADDRESSES:
        return f"the cloud metadata address {address}"
    for unsafe, kind in (
        (address.is_unspecified, "the unspecified address {}, which reaches this server"),
        (address.is_loopback, "the loopback address {} (this server)"),
        (address.is_link_local, "the link-local address {}"),
        (address.is_multicast, "the multicast address {}"),
        (address in _SHARED_ADDRESS_SPACE, "the shared address {} (carrier-grade NAT)"),
        (address.is_private, "the private address {}"),
        # On Python 3.11 ipaddress calls 64:ff9b::/96 (NAT64) and ::/96 (IPv4-compatible) global, but
        # reserved.
        (address.is_reserved or not address.is_global, "the reserved address {}, which is not publicly routable"),
    ):
        if unsafe:
            return kind.format(address)
    return None
