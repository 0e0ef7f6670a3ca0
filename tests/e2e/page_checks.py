"""What the every-page test checks on a page, in the browser: horizontal overflow, form controls drawn over
each other, and axe-core's accessibility rules. Each finding is a `Problem`, one readable line."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[1] / "node" / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True, order=True)
class Problem:
    kind: str  # status, overflow, overlap, axe, console
    width: int
    role: str
    path: str
    detail: str

    def line(self) -> str:
        return f"[{self.kind}] {self.width}px {self.role} {self.path}: {self.detail}"

    @property
    def key(self) -> str:
        """What makes it the same problem again: the overflow, the pair of controls, the axe rule."""
        return {"overflow": self.kind, "axe": self.detail.split(" ", 1)[0]}.get(self.kind, self.detail)


def axe_script() -> Path:
    """axe-core's script, installed by `make node-test-deps` (npm ci in tests/node)."""
    if not AXE.exists():
        raise FileNotFoundError(
            f"axe-core is missing ({AXE}): run `make node-test-deps` (npm ci --prefix tests/node) first"
        )
    return AXE


# The page is wider than the window: the page's width, and the elements that reach furthest past the right edge
# (the outermost of each overflowing branch), so whoever fixes it knows where to look. The body's own width
# counts too: `overflow-x: hidden` on it would cut the page off rather than fit it.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const scrollWidth = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  if (scrollWidth <= width) return null;
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    const classes = [...el.classList].slice(0, 3);
    if (classes.length) text += '.' + classes.join('.');
    return text;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1 || !el.checkVisibility()) continue;
    // The outermost overflowing element of its branch: its parent fits (or scrolls it away).
    const parent = el.parentElement;
    if (parent && parent !== document.body) {
      const outer = parent.getBoundingClientRect();
      const clips = getComputedStyle(parent).overflowX !== 'visible';
      if (outer.right > width + 1 && !clips) continue;
    }
    wide.push([Math.round(box.right), name(el)]);
  }
  wide.sort((a, b) => b[0] - a[0]);
  return {scrollWidth, width, elements: wide.slice(0, 3)};
}"""

# Pairs of visible form controls whose boxes overlap by more than 1px both ways. A label that wraps its control
# contains it (not an overlap), and a checkbox or radio may sit on its own label (a styled checkbox does). What is
# not shown (a closed <details>, a collapsed menu, visibility: hidden) has no say: checkVisibility() knows.
OVERLAP = """() => {
  const seen = [...document.querySelectorAll('input, select, textarea, button, label[for]')].filter((el) => {
    if (el.type === 'hidden' || !el.checkVisibility({visibilityProperty: true})) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  });
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    else if (el.name) text += `[name="${el.name}"]`;
    else if (el.htmlFor) text += `[for="${el.htmlFor}"]`;
    const words = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ');
    if (words && el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA') text += ` "${words.slice(0, 40)}"`;
    return text;
  };
  const ownLabel = (label, control) =>
    label.tagName === 'LABEL' && label.control === control && (control.type === 'checkbox' || control.type === 'radio');
  const boxes = seen.map((el) => el.getBoundingClientRect());
  const found = [];
  for (let i = 0; i < seen.length; i++) {
    for (let j = i + 1; j < seen.length; j++) {
      const a = seen[i], b = seen[j];
      if (a.contains(b) || b.contains(a) || ownLabel(a, b) || ownLabel(b, a)) continue;
      const x = Math.min(boxes[i].right, boxes[j].right) - Math.max(boxes[i].left, boxes[j].left);
      const y = Math.min(boxes[i].bottom, boxes[j].bottom) - Math.max(boxes[i].top, boxes[j].top);
      if (x > 1 && y > 1) found.push([name(a), name(b), Math.round(x), Math.round(y)]);
    }
  }
  return found;
}"""

# Open what the page keeps closed: every <details>, and each visible disclosure button (the phone menu).
DISCLOSE = """() => {
  let opened = 0;
  for (const details of document.querySelectorAll('details:not([open])')) {
    details.open = true;
    opened++;
  }
  for (const button of document.querySelectorAll('button[aria-expanded="false"][aria-controls]')) {
    if (button.checkVisibility()) {
      button.click();
      opened++;
    }
  }
  return opened;
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => node.target.join(' ')),
  }));
}"""


def check(page: Any, *, width: int, role: str, path: str) -> list[Problem]:  # a Playwright page
    """The layout and accessibility problems of the page as it is now."""

    def problem(kind: str, detail: str) -> Problem:
        return Problem(kind, width, role, path, detail)

    found = []
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        widest = ", ".join(f"{name} (to {right}px)" for right, name in overflow["elements"])
        found.append(
            problem(
                "overflow",
                f"the page is {overflow['scrollWidth']}px wide in a {overflow['width']}px window"
                + (f"; widest: {widest}" if widest else ""),
            )
        )
    for first, second, x, y in page.evaluate(OVERLAP):
        found.append(problem("overlap", f"{first} and {second} overlap by {x}x{y}px"))
    for violation in page.evaluate(AXE_RUN):
        targets = violation["targets"]
        shown = "; ".join(targets[:4]) + (f"; and {len(targets) - 4} more" if len(targets) > 4 else "")
        found.append(
            problem(
                "axe",
                f"{violation['id']} ({violation['impact']}, {len(targets)} element{'s' * (len(targets) != 1)}): "
                f"{violation['help']} — {shown}",
            )
        )
    return found


def check_disclosed(page: Any, found: list[Problem], *, width: int, role: str, path: str) -> list[Problem]:
    """The problems that show once everything the page keeps closed is open, beyond those `found` before."""
    if not page.evaluate(DISCLOSE):
        return []
    known = {problem.key for problem in found}
    return [
        replace(problem, detail=f"{problem.detail} (once its disclosures are open)")
        for problem in check(page, width=width, role=role, path=path)
        if problem.key not in known
    ]


def summary(problems: list[Problem]) -> list[str]:
    """Counts by kind, and axe's by rule: the head of the report."""
    kinds: dict[str, int] = {}
    rules: dict[str, int] = {}
    for found in problems:
        kinds[found.kind] = kinds.get(found.kind, 0) + 1
        if found.kind == "axe":
            rule = found.detail.split(" ", 1)[0]
            rules[rule] = rules.get(rule, 0) + 1
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    lines = [f"{len(problems)} problems" + (f": {counts}" if counts else "")]
    if rules:
        lines.append("axe rules: " + ", ".join(f"{rule} {n}" for rule, n in sorted(rules.items(), key=lambda r: -r[1])))
    return lines
