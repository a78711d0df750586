"""Schemathesis hooks for Kith's documents (used by .ci/schemathesis): how to make the avatar
images /api/v1 accepts, and the CSV files the REST document's imports accept.

The document gives an avatar as binary of type image/png|jpeg|gif|webp whose bytes begin as that
type's do, and an import's file as text/csv; JSON Schema cannot say "begins with these bytes" or
"a header line of column names", so this tells the generator.
"""
import schemathesis
from hypothesis import strategies as st
from hypothesis.internal import lambda_sources

# CPython 3.11.7 can fail parsing a large module from deep in a call stack ("SystemError: AST
# constructor recursion depth mismatch", fixed in later releases). Hypothesis parses the module
# of a lambda to describe it (schemathesis's 200 kB coverage module), and that error ended whole
# runs. A description is only a label: without one, the lambda is shown as hypothesis shows
# any lambda it cannot find the source of.
_describe_lambda = lambda_sources._lambda_description


def _describe_lambda_or_give_up(f, *args, **kwargs):
    try:
        return _describe_lambda(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _describe_lambda_or_give_up

SIGNATURES = {
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/gif": [b"GIF87a", b"GIF89a"],
}


def image(media_type):
    if media_type == "image/webp":
        return st.builds(lambda size, rest: b"RIFF" + size + b"WEBP" + rest, st.binary(min_size=4, max_size=4), st.binary(max_size=2048))
    return st.builds(lambda head, rest: head + rest, st.sampled_from(SIGNATURES[media_type]), st.binary(max_size=2048))


for kind in ["image/png", "image/jpeg", "image/gif", "image/webp"]:
    schemathesis.openapi.media_type(kind, image(kind))


def csv_file():
    """A UTF-8 CSV file: a header of distinct column names, then a few rows of any text."""
    name = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=12)
    cell = st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"], exclude_characters=',"\r\n'),
        max_size=20,
    )

    def with_rows(header):
        row = st.lists(cell, min_size=len(header), max_size=len(header))
        return st.lists(row, max_size=5).map(
            lambda rows: ("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n").encode()
        )

    return st.lists(name, min_size=1, max_size=5, unique=True).flatmap(with_rows)


schemathesis.openapi.media_type("text/csv", csv_file())
