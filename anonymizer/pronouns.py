"""Every informant is «hun»: gendered third-person pronouns become the feminine bokmål form.

The role decides the form: subject «hun», object «henne», possessive «hennes». Bokmål, nynorsk
and dialect forms are covered (han, ham, hans, ho, hu, hon, honom, hennar, hass, hannes, and the
clitics «sa'n», «så'a»); «sin», «seg» and «sitt» stay. The parse gives the role, with two
corrections for spoken word order that a parser trained on written text gets wrong:

- «jeg ringte han»: a pronoun after the verb, when the clause already has a subject before the
  verb, is an object → «henne»;
- «i går ringte han»: a pronoun straight after the finite verb of a clause with no other subject
  is the subject (fronted adverbial, inverted order) → «hun».

A pronoun inside a redacted name span («han Per» → «[navn 1]») is left to the redaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from spacy.tokens import Doc, Token

from anonymizer.types import Span

SUBJECT, OBJECT, POSSESSIVE = "hun", "henne", "hennes"
PERSONAL = frozenset({"han", "hun", "ho", "hu", "hon", "ham", "henne", "honom", "hænne"})
ALWAYS_OBJECT = frozenset({"ham", "henne", "honom", "hænne"})
POSSESSIVES = frozenset({"hans", "hennes", "hennar", "hass", "hannes", "hennås"})
SUBJECT_DEPS = frozenset({"SUBJ", "FSUBJ", "PSUBJ", "nsubj", "nsubj:pass", "expl"})
OBJECT_DEPS = frozenset({"DOBJ", "IOBJ", "PUTFYLL", "obj", "iobj", "obl", "nmod"})
NOMINATIVE_ONLY = frozenset({"jeg", "du", "vi", "dere", "de", "eg", "æ", "me", "dokker", "dæm"})
CLITIC = re.compile(r"(?<=\w)'n$")


def _case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if like[:1].isupper() else word


def _clause_verb(token: Token) -> Token | None:
    head = token.head
    return head if head.i != token.i and head.pos_ in ("VERB", "AUX") else None


def _verb_chain(verb: Token) -> list[Token]:
    """The verb and the auxiliaries above it («har … sett»): one clause."""
    chain = [verb]
    while chain[-1].head.i != chain[-1].i and chain[-1].head.pos_ in ("VERB", "AUX") and (
        chain[-1].dep_ in ("INFV", "xcomp", "aux", "ROOT") or chain[-1].head.pos_ == "AUX"
    ):
        chain.append(chain[-1].head)
    return chain


def _other_subject_before(token: Token, verb: Token) -> bool:
    for v in _verb_chain(verb):
        for child in v.children:
            if child.i == token.i or child.i > token.i or child.i > v.i:
                continue
            if child.dep_ in SUBJECT_DEPS or child.lower_ in NOMINATIVE_ONLY:
                return True
    return False


def _other_subject(token: Token, verb: Token) -> bool:
    return any(
        c.i != token.i and c.dep_ in SUBJECT_DEPS for v in _verb_chain(verb) for c in v.children
    )


def personal_role(token: Token) -> str:
    """``hun`` or ``henne`` for a personal pronoun, by its place in the clause."""
    low = token.lower_
    if low in ALWAYS_OBJECT:
        return OBJECT
    head = token.head
    if (head is not token and head.pos_ == "ADP") or token.dep_ == "PUTFYLL":
        return OBJECT  # «med han», «til ho»
    verb = _clause_verb(token)
    if verb is None:
        return OBJECT if token.dep_ in OBJECT_DEPS else SUBJECT
    after_verb = token.i > verb.i
    if token.dep_ in SUBJECT_DEPS:
        if after_verb and _other_subject_before(token, verb):
            return OBJECT  # «jeg ringte han»
        return SUBJECT
    if token.dep_ in OBJECT_DEPS:
        if token.i == verb.i + 1 and not _other_subject(token, verb) and not (
            _other_subject_before(token, verb)
        ):
            return SUBJECT  # «i går ringte han»
        return OBJECT
    return SUBJECT


def _inside(token: Token, spans: Sequence[Span]) -> bool:
    return any(s.start <= token.idx < s.end for s in spans)


def rewrite_pronouns(doc: Doc, redacted: Sequence[Span] = ()) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) in the doc's text for each gendered pronoun to change."""
    for token in doc:
        if _inside(token, redacted):
            continue
        low = token.lower_
        if low in POSSESSIVES and not (token.text[0].isupper() and token.pos_ == "PROPN"):
            new = POSSESSIVE
        elif low in PERSONAL:
            new = personal_role(token)
        elif CLITIC.search(token.text):
            start = token.idx + len(token.text) - 2
            yield start, start + 2, "'a"
            continue
        else:
            continue
        replacement = _case(new, token.text)
        if replacement != token.text:
            yield token.idx, token.idx + len(token.text), replacement
