"""A Griffe extension for the API reference: docstring examples (`>>>` lines and their
output) are rendered as code blocks, so their brackets (`group["lr"]`, `[[0, 1]]`) are
not read as Markdown links."""
import griffe


def fence_doctests(text):
    """text with every run of doctest lines (a `>>>` line, its `...` continuations and its
    output, up to the next blank line) inside a ```pycon fence."""
    out, block, indent = [], False, ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if not block and stripped.startswith(">>>"):
            indent = line[:len(line) - len(stripped)]
            out.append(indent + "```pycon")
            block = True
        elif block and not stripped:
            out.append(indent + "```")
            block = False
        out.append(line)
    if block:
        out.append(indent + "```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the examples of every docstring Griffe loads."""

    def on_instance(self, *, obj, **kwargs):
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
