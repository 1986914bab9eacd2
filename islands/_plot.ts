/** Makes an Observable Plot chart pass accessibility checks: every labelled part gets a role that allows its label. */
export function labelledParts(chart: Element): void {
  for (const el of chart.querySelectorAll("[aria-label]")) {
    if (el.hasAttribute("role")) continue;
    // A group of marks is a group; one mark (a bar, a dot) is an image with its own name.
    el.setAttribute("role", el.tagName.toLowerCase() === "g" ? "group" : "img");
  }
}
