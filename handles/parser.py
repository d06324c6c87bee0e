"""Text -> syntax tree, in one left-to-right pass with an explicit stack.

Tags are written `{{ … }}` or, identically, `<< … >>`. The parser never
recurses over the input: sections are kept on a list-based stack capped at
`MAX_DEPTH`, every search moves forward, and searches for closing delimiters
are memoised so that no byte is scanned more than a constant number of times.
A tag ends at the first closing delimiter (quoted `}}` is not supported).

A `<<` that does not start a well-formed tag on the same line (`a << b`,
`cat <<EOF`) is ordinary text, so shell snippets and bit shifts in runbooks
survive; only the long comment `<<!-- … -->>` may span lines. `{{` always
starts a tag and an unclosed one is an error.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from handles.limits import MAX_DEPTH
from handles.nodes import Argument, Helper, Node, Path, Section, Text, Variable
from handles.tags import (
    HELPER_NAMES,
    HELPERS,
    check_section_args,
    error,
    helper_node,
    parse_args,
    parse_path,
)

CURLY = "{{"
ANGLE = "<<"
_CLOSE = {CURLY: "}}", ANGLE: ">>"}
# An opening delimiter; when the whole tag is a common simple one (a section
# tag without arguments, `else`, or a plain variable path) the groups say so.
_NEWLINE = re.compile("\n")
_OPENER = re.compile(
    r"(?:\{\{|<<)(?:[ \t]*([#^/]?)[ \t]*"
    r"([A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)[ \t]*(\}\}|>>))?"
)
# After `<<`, what may start a tag; anything else leaves `<<` as text.
_ANGLE_TAG_START = re.compile(r"<<(?:<<|<|[#^/!\[@A-Za-z_])")


class _Finder:
    """`str.find` with memory: a needle is never searched twice over the same span."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, int] = {}

    def find(self, needle: str, start: int) -> int:
        last = self.found.get(needle)
        if last is not None and (last == -1 or last >= start):
            return last
        position = self.text.find(needle, start)
        self.found[needle] = position
        return position


@dataclass(slots=True)
class _Frame:
    name: str
    args: tuple[Argument, ...]
    negated: bool
    style: str
    line: int
    col: int
    body: list[Node] = field(default_factory=list)
    otherwise: list[Node] | None = None


class _Cursor:
    """Line and column of an offset, from the offsets of the newlines (found once)."""

    def __init__(self, text: str) -> None:
        self.newlines = [match.start() for match in _NEWLINE.finditer(text)]

    def where(self, at: int) -> tuple[int, int]:
        before = bisect_left(self.newlines, at)
        if not before:
            return 1, at + 1
        return before + 1, at - self.newlines[before - 1]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.cursor = _Cursor(text)
        self.finder = _Finder(text)
        self.root: list[Node] = []
        self.stack: list[_Frame] = []
        # Where the next node goes: the root, or the open section's current branch.
        self.current = self.root

    def emit(self, node: Node) -> None:
        self.current.append(node)

    def emit_text(self, start: int, end: int) -> None:
        if end > start:
            line, col = self.cursor.where(start)
            self.current.append(Text(self.text[start:end], line, col))

    def run(self) -> tuple[Node, ...]:
        text = self.text
        newlines = self.cursor.newlines
        search = _OPENER.search
        pos = 0
        text_start = 0
        while True:
            match = search(text, pos)
            if match is None:
                break
            at = match.start()
            style = text[at : at + 2]
            sigil, name, closer = match.groups()
            if (
                name is not None
                and closer == _CLOSE[style]
                and (style == CURLY or text[at + 2] not in " \t")
                and name not in HELPER_NAMES
            ):
                # The common tags (`{{#name}}`, `{{/name}}`, `{{else}}`, `{{a.b}}`),
                # inline: they are most of a message's tags.
                end = match.end()
                if sigil or name == "else":
                    cut, resume = self.standalone(at, end, text_start)
                else:
                    cut, resume = at, end
                if cut > text_start:
                    before = bisect_left(newlines, text_start)
                    col = text_start - newlines[before - 1] if before else text_start + 1
                    self.current.append(Text(text[text_start:cut], before + 1, col))
                # `where(at)`, inline.
                before = bisect_left(newlines, at)
                line = before + 1
                col = at - newlines[before - 1] if before else at + 1
                if not sigil:
                    if name == "else":
                        self.else_tag(style, line, col)
                    else:
                        path = Path(tuple(name.split(".")), name)
                        self.current.append(Variable(path, False, line, col))
                elif sigil == "/":
                    self.close_section(name, style, line, col)
                else:
                    self.open_section(name, (), sigil == "^", style, line, col)
                pos = text_start = resume
                continue
            if style == ANGLE and not _ANGLE_TAG_START.match(text, at):
                pos = at + 1
                continue
            resumed = self.tag(at, style, text_start)
            if resumed is None:  # `<<` that is not a tag after all
                pos = at + 1
                continue
            pos = text_start = resumed
        self.emit_text(text_start, len(text))
        if self.stack:
            frame = self.stack[-1]
            sigil = "^" if frame.negated else "#"
            closer = f"{frame.style}/{frame.name}{_CLOSE[frame.style]}"
            raise error(
                f"{frame.style}{sigil}{frame.name}{_CLOSE[frame.style]} is never closed",
                frame.line,
                frame.col,
                code="unclosed-block",
                suggestion=f"add {closer}",
            )
        return tuple(self.root)

    def find_close(self, needle: str, start: int, style: str) -> int:
        end = self.finder.find(needle, start)
        if style == ANGLE and end != -1:
            newline = self.finder.find("\n", start)
            if newline != -1 and newline < end:
                return -1
        return end

    def tag(self, at: int, style: str, text_start: int) -> int | None:
        """Handle the tag at `at`; return where text resumes, None if not a tag."""
        text = self.text
        close = _CLOSE[style]
        quad_open, quad_close = style * 2, close * 2
        if text.startswith(quad_open, at):
            header_end = self.find_close(quad_close, at + 4, style)
            if header_end == -1:
                self.unclosed(at, style, quad_close)
                return None
            self.emit_text(text_start, at)
            return self.raw_block(at, header_end, style)
        triple = style + style[0]
        if text.startswith(triple, at):
            end = self.find_close(close + close[0], at + 3, style)
            if end == -1:
                self.unclosed(at, style, close + close[0])
                return None
            self.emit_text(text_start, at)
            line, col = self.cursor.where(at)
            word = text[at + 3 : end].strip()
            if not word:
                raise error("empty tag", line, col)
            word_col = col if "\n" in text[at:end] else col + 3
            self.emit(Variable(parse_path(word, line, word_col), True, line, col))
            return end + 3
        if text.startswith(style + "!", at):
            end = -1
            if text.startswith(style + "!--", at):
                # The long comment form may span lines in both spellings.
                end = self.finder.find("--" + close, at + 5)
                if end != -1:
                    end += 2
            if end == -1:
                end = self.find_close(close, at + 3, style)
            if end == -1:
                self.unclosed(at, style, close)
                return None
            cut, resume = self.standalone(at, end + 2, text_start)
            self.emit_text(text_start, cut)
            return resume
        end = self.find_close(close, at + 2, style)
        if end == -1:
            self.unclosed(at, style, close)
            return None
        inner = text[at + 2 : end].strip()
        if inner[:1] in ("#", "^", "/") or inner == "else":
            cut, resume = self.standalone(at, end + 2, text_start)
        else:
            cut, resume = at, end + 2
        self.emit_text(text_start, cut)
        self.simple_tag(at, end, style)
        return resume

    def standalone(self, at: int, after: int, text_start: int) -> tuple[int, int]:
        """Mustache's standalone rule: a section tag or comment alone on its line
        takes the line with it. Returns (where pending text ends, where text resumes)."""
        text = self.text
        line_start = text.rfind("\n", text_start, at) + 1
        if line_start == 0:
            if text_start != 0 and text[text_start - 1] != "\n":
                return at, after  # another tag precedes this one on its line
            line_start = text_start
        if text[line_start:at].strip(" \t"):
            return at, after
        newline = self.finder.find("\n", after)
        line_end = len(text) if newline == -1 else newline
        if text[after:line_end].strip(" \t\r"):
            return at, after
        return line_start, line_end if newline == -1 else line_end + 1

    def unclosed(self, at: int, style: str, close: str) -> None:
        """An unclosed `{{` is an error; an unclosed `<<` is just text."""
        if style == ANGLE:
            return
        line, col = self.cursor.where(at)
        raise error(
            f"tag opened here is never closed with {close}",
            line,
            col,
            code="unclosed-tag",
            suggestion=f"add {close}",
        )

    def simple_tag(self, at: int, end: int, style: str) -> None:
        line, col = self.cursor.where(at)
        inner = self.text[at + 2 : end]
        lead = len(inner) - len(inner.lstrip())
        body = inner.strip()
        # Positions inside a tag that spans lines are reported at the tag.
        fixed = "\n" in inner
        body_col = col if fixed else col + 2 + lead
        if not body:
            raise error("empty tag", line, col)
        sigil = body[0]
        if sigil in "#^":
            name, args = parse_args(body[1:], line, body_col + (not fixed), fixed=fixed)
            if not name:
                raise error(f"section {style}{sigil}{_CLOSE[style]} needs a name", line, col)
            self.open_section(name, args, sigil == "^", style, line, col)
        elif sigil == "/":
            self.close_section(body[1:].strip(), style, line, col)
        elif body == "else":
            self.else_tag(style, line, col)
        else:
            if sigil in "&>*~=":
                raise error(f"{style}{sigil}…{_CLOSE[style]} is not supported", line, col)
            name, args = parse_args(body, line, body_col, fixed=fixed)
            if name in HELPERS:
                self.emit(helper_node(name, args, line, col, fixed=fixed))
            elif args:
                self.emit(Helper(name, args, line, col))
            else:
                self.emit(Variable(parse_path(name, line, body_col), False, line, col))

    def open_section(
        self,
        name: str,
        args: tuple[Argument, ...],
        negated: bool,
        style: str,
        line: int,
        col: int,
    ) -> None:
        check_section_args(name, args, line, col)
        if len(self.stack) >= MAX_DEPTH:
            raise error(f"sections nest deeper than {MAX_DEPTH}", line, col)
        frame = _Frame(name, args, negated, style, line, col)
        self.stack.append(frame)
        self.current = frame.body

    def else_tag(self, style: str, line: int, col: int) -> None:
        if not self.stack:
            raise error(f"{style}else{_CLOSE[style]} outside a section", line, col)
        frame = self.stack[-1]
        if frame.otherwise is not None:
            raise error(f"second {style}else{_CLOSE[style]} in one section", line, col)
        frame.otherwise = self.current = []

    def close_section(self, name: str, style: str, line: int, col: int) -> None:
        if not self.stack:
            raise error(
                f"{style}/{name}{_CLOSE[style]} closes nothing",
                line,
                col,
                code="unopened-block",
                suggestion="remove it or open the section before it",
            )
        frame = self.stack[-1]
        if frame.name != name or frame.style != style:
            closing = f"{style}/{name}{_CLOSE[style]}"
            opened = f"{frame.style}{'^' if frame.negated else '#'}{frame.name}"
            expected = f"{frame.style}/{frame.name}{_CLOSE[frame.style]}"
            raise error(
                f"{closing} does not match {opened}{_CLOSE[frame.style]} opened at "
                f"line {frame.line}, column {frame.col}",
                line,
                col,
                code="mismatched-block",
                suggestion=f"close it with {expected}",
            )
        self.stack.pop()
        if self.stack:
            parent = self.stack[-1]
            self.current = parent.body if parent.otherwise is None else parent.otherwise
        else:
            self.current = self.root
        self.emit(
            Section(
                frame.name,
                frame.args,
                frame.negated,
                tuple(frame.body),
                tuple(frame.otherwise or ()),
                frame.style,
                frame.line,
                frame.col,
            )
        )

    def raw_block(self, at: int, header_end: int, style: str) -> int:
        """`{{{{raw}}}}…{{{{/raw}}}}` is literal text; `{{{{is_match …}}}}…` a literal section."""
        line, col = self.cursor.where(at)
        close = _CLOSE[style]
        header = self.text[at + 4 : header_end].strip()
        fixed = "\n" in self.text[at:header_end]
        name, args = parse_args(header, line, col if fixed else col + 4, fixed=fixed)
        if not name or name[0] in "#^/":
            raise error("a raw block is opened with a plain name, e.g. {{{{raw}}}}", line, col)
        closer = f"{style * 2}/{name}{close * 2}"
        body_start = header_end + 4
        body_end = self.finder.find(closer, body_start)
        if body_end == -1:
            raise error(
                f"raw block is never closed with {closer}",
                line,
                col,
                code="unclosed-block",
                suggestion=f"add {closer}",
            )
        body_line, body_col = self.cursor.where(body_start)
        content: tuple[Node, ...] = ()
        if body_end > body_start:
            content = (Text(self.text[body_start:body_end], body_line, body_col),)
        if name == "raw" and not args:
            for node in content:
                self.emit(node)
        else:
            check_section_args(name, args, line, col)
            self.emit(Section(name, args, False, content, (), style, line, col))
        return body_end + len(closer)


def parse_nodes(text: str) -> tuple[Node, ...]:
    """Parse `text` into nodes, or raise TemplateSyntaxError with line and column."""
    return _Parser(text).run()
