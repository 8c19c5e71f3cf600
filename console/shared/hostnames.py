"""Whether the host of a URL can be a host at all: a DNS name of valid labels, or an IP address.

``urlsplit`` takes anything as a host (``https://my resource.openai.azure.com`` has the host
``my resource.openai.azure.com``), so a typo in a config file or on the command line would
otherwise surface much later as a DNS failure or a dropped connection, far from its cause.
The rules are RFC 1123's: labels of letters, digits and hyphens, not starting or ending with
a hyphen, at most 63 characters each and 253 in all. A name in another script is checked in
its IDNA (``xn--``) form.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^[A-Za-z0-9-]{1,63}$")


def url_host_problem(url: str) -> str | None:
    """Why ``url``'s host (or port) cannot be one, as a clause; None when it can."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        return "the port is not a number from 0 to 65535"
    if not parts.hostname:
        return "there is no host (is https:// missing?)"
    return host_problem(parts.hostname)


def host_problem(host: str) -> str | None:
    """Why ``host`` is not a host name or IP address, as a clause; None when it is one."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host  # a fully qualified name's root dot
    if any(character.isspace() for character in name):
        return "the host holds a space"
    labels = name.split(".")
    if not all(labels):
        return "the host has an empty part (two dots in a row, or a dot at the start)"
    try:
        labels = [
            label if label.isascii() else label.encode("idna").decode("ascii") for label in labels
        ]
    except UnicodeError:
        return "the host holds characters a host name cannot have"
    if len(".".join(labels)) > 253:
        return "the host is longer than 253 characters"
    for label in labels:
        if len(label) > 63:
            return "a part of the host is longer than 63 characters"
        if not _LABEL.match(label):
            return (
                "the host holds characters a host name cannot have (only letters, digits, - and .)"
            )
        if label.startswith("-") or label.endswith("-"):
            return "a part of the host starts or ends with a hyphen"
    return None
