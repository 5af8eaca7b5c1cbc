"""REFI-QDA codebooks (.qdc): read one, checked against the standard's codebook schema, so its
codes (e.g. deductive codes from the interview guide) can go into a .qdpx project.

The schemas in ``schemas/`` are the REFI-QDA standard's own (MIT licence, www.qdasoftware.org).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from service.errors import IntervjuError

SCHEMAS = Path(__file__).resolve().parent / "schemas"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
MAX_BYTES = 5 * 1024 * 1024  # a codebook is a list of codes; more than this is not one


@dataclass(frozen=True)
class Code:
    guid: str
    name: str
    codable: bool
    color: str | None = None
    description: str | None = None
    children: tuple[Code, ...] = ()


@dataclass(frozen=True)
class CodeSet:
    guid: str
    name: str
    members: tuple[str, ...]  # code guids
    description: str | None = None


@dataclass(frozen=True)
class Codebook:
    codes: tuple[Code, ...]
    sets: tuple[CodeSet, ...] = ()

    def guids(self) -> list[str]:
        found: list[str] = []
        stack = list(self.codes)
        while stack:
            code = stack.pop()
            found.append(code.guid.strip("{}").lower())
            stack.extend(code.children)
        return found + [s.guid.strip("{}").lower() for s in self.sets]


@cache
def schema(name: str) -> etree.XMLSchema:
    """A schema from ``schemas/`` (parsed once)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser=safe_parser()))


def safe_parser() -> etree.XMLParser:
    """No entities, DTDs or network: the file may come from anyone."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_codebook(path: Path) -> Codebook:
    """Read and check a .qdc file; an IntervjuError says what is wrong with it."""
    with path.open("rb") as handle:  # no further than the limit: it may be /dev/zero
        data = handle.read(MAX_BYTES + 1)
    return parse_codebook(data)


def parse_codebook(data: bytes) -> Codebook:
    if len(data) > MAX_BYTES:
        raise IntervjuError("export.bad_codebook", reason=f"over {MAX_BYTES // 1024 // 1024} MiB")
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise IntervjuError("export.bad_codebook", reason=f"not XML (line {exc.lineno})") from None
    if root.getroottree().docinfo.doctype:
        raise IntervjuError("export.bad_codebook", reason="a DTD is not allowed")
    validator = schema("Codebook-v1.0.xsd")
    try:
        valid = validator.validate(root)
    except etree.XMLSchemaValidateError:
        valid = False
    if not valid:
        error = validator.error_log.last_error
        line = error.line if error is not None else "?"
        raise IntervjuError("export.bad_codebook", reason=f"not valid (line {line})")
    ns = {"c": CODEBOOK_NS}
    codes = tuple(_code(element, ns) for element in root.iterfind("c:Codes/c:Code", ns))
    sets = tuple(
        CodeSet(
            guid=element.get("guid"),
            name=element.get("name"),
            members=tuple(m.get("guid") for m in element.iterfind("c:MemberCode", ns)),
            description=element.findtext("c:Description", namespaces=ns),
        )
        for element in root.iterfind("c:Sets/c:Set", ns)
    )
    book = Codebook(codes, sets)
    guids = book.guids()
    if len(set(guids)) != len(guids):
        raise IntervjuError("export.bad_codebook", reason="a guid is used twice")
    known = set(guids)
    if any(member.strip("{}").lower() not in known for s in sets for member in s.members):
        raise IntervjuError("export.bad_codebook", reason="a set names a code it does not have")
    return book


def _code(element: etree._Element, ns: dict[str, str]) -> Code:
    return Code(
        guid=element.get("guid"),
        name=element.get("name"),
        codable=element.get("isCodable") in ("true", "1"),
        color=element.get("color"),
        description=element.findtext("c:Description", namespaces=ns),
        children=tuple(_code(child, ns) for child in element.iterfind("c:Code", ns)),
    )
