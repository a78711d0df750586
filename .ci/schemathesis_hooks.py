"""Schemathesis hooks for Kith's /api/v1 document (used by .ci/schemathesis): how to make the
avatar images it accepts.

The document gives an avatar as binary of type image/png|jpeg|gif|webp whose bytes begin as that
type's do; JSON Schema cannot say "begins with these bytes", so this tells the generator.
"""
import schemathesis
from hypothesis import strategies as st

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
