"""HTML markup as reading a posting finds it: tags and character entities.

One definition of each, read by the text's normaliser (which blanks tags and reads entities as their characters) and
by the role names (whose words a page may separate by a tag: "<b>Technical</b> Program Manager").
"""

from __future__ import annotations

__all__ = ["ENTITY", "MAX_ATTRIBUTES", "TAG"]

#: A tag is a name, then ">" or "/>", or a blank and up to ``%d`` characters of attributes (an export's
#: ``data-props`` holding a page's JSON): "<negotiable, DOE ... ->" in prose is not one. (A format string: the
#: caller bounds the attributes.)
TAG = r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]{0,%d})?/?>"
#: How long a tag's attributes run in a posting read whole (and where role names are found): 20,000 characters.
MAX_ATTRIBUTES = 20_000
#: A character entity: decimal, hexadecimal or named ("&nbsp;").
ENTITY = r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});"
